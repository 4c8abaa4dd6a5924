#include "extract/csv_row.hpp"

#include <fmt/format.h>

#include <iterator>

#include "core/time.hpp"

namespace migration::extract {

void AppendCsvField(std::string_view text, std::string& out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void AppendCsvRow(core::Table table, const core::Row& row, std::string& out) {
  bool first = true;
  for (const core::Column& column : core::SchemaOf(table).columns) {
    if (!first) out.push_back(',');
    first = false;
    switch (column.kind) {
      case core::ColumnKind::kId: fmt::format_to(std::back_inserter(out), "{}", row.id); break;
      case core::ColumnKind::kText: AppendCsvField(row.text, out); break;
      case core::ColumnKind::kDatetime: out.append(core::FormatRfc3339(row.datetime_us)); break;
      case core::ColumnKind::kReference:
        // Row has one member per reference column; the schema names them (as ingest/row_rules.cpp reads them).
        fmt::format_to(std::back_inserter(out), "{}", column.name == "department_id" ? row.department_id : row.job_id);
        break;
    }
  }
  out.push_back('\n');
}

void AppendCsvHeader(core::Table table, std::string& out) {
  bool first = true;
  for (const core::Column& column : core::SchemaOf(table).columns) {
    if (!first) out.push_back(',');
    first = false;
    out.append(column.name);
  }
  out.push_back('\n');
}

}  // namespace migration::extract
