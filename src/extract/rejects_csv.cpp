#include "extract/rejects_csv.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <iterator>
#include <utility>

#include "extract/csv_row.hpp"
#include "ingest/csv/csv_reader.hpp"

namespace migration::extract {
namespace {

// The record's fields as sent, from the CSV line it kept.
std::vector<std::string> FieldsOfCsv(std::string_view raw) {
  std::vector<std::string> fields;
  bool split = false;
  ingest::csv::CsvReader reader;
  const ingest::csv::CsvReader::Sink sink = [&](const ingest::csv::CsvRecord& record) {
    if (split || record.error) return;
    split = true;
    fields.assign(record.fields.begin(), record.fields.end());
  };
  reader.Feed(raw, sink);
  reader.Finish(sink);
  if (!split) fields = {std::string(raw)};
  return fields;
}

// The record's fields by column, from the JSON object it kept.
std::vector<std::string> FieldsOfJson(core::Table table, std::string_view raw) {
  const nlohmann::json object = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return {std::string(raw)};
  std::vector<std::string> fields;
  for (const core::Column& column : core::SchemaOf(table).columns) {
    const auto value = object.find(std::string(column.name));
    if (value == object.end() || value->is_null()) {
      fields.emplace_back();
    } else if (value->is_string()) {
      fields.push_back(value->get<std::string>());
    } else {
      fields.push_back(value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  return fields;
}

// "field: message; field: message" from the stored JSON list of errors.
std::string ErrorsText(const db::RejectRecord& reject) {
  std::string text;
  const nlohmann::json errors = nlohmann::json::parse(reject.errors_json, nullptr, false);
  if (errors.is_array()) {
    for (const auto& error : errors) {
      if (!text.empty()) text += "; ";
      const std::string field = error.value("field", "");
      const std::string message = error.value("message", "");
      if (!field.empty()) text.append(field).append(": ");
      text += message;
    }
  }
  if (reject.raw_truncated()) {
    if (!text.empty()) text += "; ";
    text += fmt::format("record: only its first {} of {} bytes were kept", reject.raw.size(), reject.raw_length);
  }
  return text;
}

}  // namespace

RejectPageReader RejectPagesOf(db::Database& db, int64_t load_id) {
  return [&db, load_id](int64_t after_seq, int limit) { return db.ListRejects(load_id, db::Page{after_seq, limit}); };
}

void AppendRejectsCsvHeader(core::Table table, db::RejectLocator locator, std::string& out) {
  for (const core::Column& column : core::SchemaOf(table).columns) {
    out.append(column.name);
    out.push_back(',');
  }
  out.append(db::RejectLocatorName(locator));
  out.append(",errors\n");
}

void AppendRejectsCsvRecord(core::Table table, const db::StoredReject& stored, std::string& out) {
  const db::RejectRecord& reject = stored.reject;
  std::vector<std::string> fields =
      reject.locator == db::RejectLocator::kIndex ? FieldsOfJson(table, reject.raw) : FieldsOfCsv(reject.raw);
  fields.resize(core::SchemaOf(table).columns.size());
  for (const std::string& field : fields) {
    AppendCsvField(field, out);
    out.push_back(',');
  }
  fmt::format_to(std::back_inserter(out), "{},", reject.position);
  AppendCsvField(ErrorsText(reject), out);
  out.push_back('\n');
}

RejectsCsv::RejectsCsv(core::Table table, RejectPageReader read) : table_(table), read_(std::move(read)) { ReadPage(); }

void RejectsCsv::ReadPage() {
  page_ = read_(after_, kPageRows);
  next_ = 0;
  last_page_ = page_.size() < static_cast<size_t>(kPageRows);
  if (!page_.empty()) after_ = page_.back().seq;
}

bool RejectsCsv::Next(std::string& out, size_t target) {
  const size_t before = out.size();
  if (header_pending_) {
    // A load's rejects share one locator (a load reads one kind of input).
    AppendRejectsCsvHeader(table_, page_.empty() ? db::RejectLocator::kLine : page_.front().reject.locator, out);
    header_pending_ = false;
  }
  while (out.size() - before < target) {
    if (next_ == page_.size()) {
      if (last_page_) break;
      ReadPage();
      if (page_.empty()) break;
    }
    AppendRejectsCsvRecord(table_, page_[next_++], out);
  }
  if (next_ == page_.size() && last_page_) {  // done: the page's memory goes now
    page_ = {};
    next_ = 0;
  }
  return out.size() > before;
}

}  // namespace migration::extract
