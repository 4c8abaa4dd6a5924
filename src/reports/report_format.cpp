#include "reports/report_format.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <vector>

#include "core/error.hpp"

namespace migration::reports {
namespace {

using Cells = std::vector<std::string>;

// `text_columns[c]`: column c holds names a client typed (neutralised, see CsvTextField); the
// other columns are counts and ids we printed from integers.
std::string RenderCsv(const Cells& header, const std::vector<Cells>& rows, const std::vector<bool>& text_columns) {
  std::string out;
  const auto line = [&out, &text_columns](const Cells& cells, bool is_header) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += !is_header && text_columns[i] ? CsvTextField(cells[i]) : CsvField(cells[i]);
    }
    out += "\r\n";
  };
  line(header, true);
  for (const auto& row : rows) line(row, false);
  return out;
}

// Width in characters, not bytes, so names with accents still line up.
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Columns from `numeric_from` on are numbers: right-aligned. Names are printed with their control
// characters escaped (EscapeControls): a department called "\x1b]0;…" must not drive the terminal.
std::string RenderTable(const Cells& header, const std::vector<Cells>& raw_rows, size_t numeric_from,
                        const std::string& footer) {
  std::vector<Cells> rows;
  rows.reserve(raw_rows.size());
  for (const auto& raw : raw_rows) {
    Cells row;
    row.reserve(raw.size());
    for (const auto& cell : raw) row.push_back(EscapeControls(cell));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  const auto line = [&](const Cells& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(widths[c] - DisplayWidth(cells[c]), ' ');
      if (c > 0) out += "  ";
      out += c >= numeric_from ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
    }
    out += '\n';
  };
  line(header);
  Cells rule;
  for (const size_t width : widths) rule.emplace_back(width, '-');
  line(rule);
  for (const auto& row : rows) line(row);
  out += footer;
  return out;
}

// A JSON string literal: quotes, backslashes and control characters escaped; the rest (valid
// UTF-8, the data rules guarantee it) as is.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

Format ParseFormat(std::string_view name) {
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  if (name == "table") return Format::kTable;
  throw core::Error(core::ErrorCode::kBadRequest,
                    fmt::format("format must be json, csv or table, got \"{}\"", name.substr(0, 40)));
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvTextField(std::string_view text) {
  // OWASP, CSV injection: a cell starting with = + - @ tab or CR is a formula to spreadsheet
  // programs; a leading single quote makes it text (shown, not evaluated).
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    return CsvField("'" + std::string(text));
  }
  return CsvField(text);
}

std::string EscapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      switch (byte) {
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += fmt::format("\\x{:02x}", byte);
      }
    } else if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F, the C1 controls (U+009B is CSI to many terminals).
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out;
}

std::string Render(const HiresByQuarter& report, Format format) {
  if (format == Format::kJson) {
    // Written straight into one buffer: this report has thousands of rows and is asked often,
    // and a JSON tree per request cost more than the database query.
    std::string out;
    out.reserve(64 + report.rows.size() * 96);
    out += "{\"year\":";
    out += std::to_string(report.year);
    out += ",\"rows\":[";
    for (size_t i = 0; i < report.rows.size(); ++i) {
      const auto& r = report.rows[i];
      if (i > 0) out += ',';
      out += "{\"department\":";
      AppendJsonString(out, r.department);
      out += ",\"job\":";
      AppendJsonString(out, r.job);
      for (size_t q = 0; q < 4; ++q) {
        out += ",\"Q";
        out += static_cast<char>('1' + q);
        out += "\":";
        out += std::to_string(r.quarters[q]);
      }
      out += '}';
    }
    out += "]}";
    return out;
  }
  const Cells header = {"department", "job", "Q1", "Q2", "Q3", "Q4"};
  std::vector<Cells> rows;
  rows.reserve(report.rows.size());
  for (const auto& r : report.rows) {
    rows.push_back({r.department, r.job, std::to_string(r.quarters[0]), std::to_string(r.quarters[1]),
                    std::to_string(r.quarters[2]), std::to_string(r.quarters[3])});
  }
  if (format == Format::kCsv) return RenderCsv(header, rows, {true, true, false, false, false, false});
  return RenderTable(header, rows, 2,
                     fmt::format("{} department/job pairs with hires in {}\n", rows.size(), report.year));
}

std::string Render(const DepartmentsAboveMean& report, Format format) {
  if (format == Format::kJson) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& r : report.rows) rows.push_back({{"id", r.id}, {"department", r.department}, {"hired", r.hired}});
    return nlohmann::ordered_json{{"year", report.year}, {"mean", report.mean}, {"rows", std::move(rows)}}.dump();
  }
  const Cells header = {"id", "department", "hired"};
  std::vector<Cells> rows;
  rows.reserve(report.rows.size());
  for (const auto& r : report.rows) rows.push_back({std::to_string(r.id), r.department, std::to_string(r.hired)});
  if (format == Format::kCsv) return RenderCsv(header, rows, {false, true, false});
  return RenderTable(header, rows, 2,
                     fmt::format("mean hires per department in {}: {:.2f}\n", report.year, report.mean));
}

}  // namespace migration::reports
