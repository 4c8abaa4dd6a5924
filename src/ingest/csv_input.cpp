#include "ingest/csv_input.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace migration::ingest {
namespace {

bool EqualsIgnoreCaseTrimmed(std::string_view field, std::string_view name) {
  while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
  while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
  if (field.size() != name.size()) return false;
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<HeaderMode> HeaderModeFromName(std::string_view name) {
  if (name == "auto") return HeaderMode::kAuto;
  if (name == "present") return HeaderMode::kPresent;
  if (name == "absent") return HeaderMode::kAbsent;
  return std::nullopt;
}

std::optional<ExtraColumns> ExtraColumnsFromName(std::string_view name) {
  if (name == "reject") return ExtraColumns::kReject;
  if (name == "ignore") return ExtraColumns::kIgnore;
  return std::nullopt;
}

bool IsHeaderRecord(core::Table table, const std::vector<std::string_view>& fields, ExtraColumns extra) {
  const auto columns = core::SchemaOf(table).columns;
  if (fields.size() < columns.size()) return false;
  if (fields.size() > columns.size() && extra == ExtraColumns::kReject) return false;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!EqualsIgnoreCaseTrimmed(fields[i], columns[i].name)) return false;
  }
  return true;
}

CsvInput::CsvInput(RecordSink& sink, core::Table table, HeaderMode header, ExtraColumns extra)
    : records_(sink), table_(table), header_(header), extra_(extra), sink_([this](const csv::CsvRecord& r) {
        OnRecord(r);
      }) {}

void CsvInput::Consume(std::string_view bytes) { reader_.Feed(bytes, sink_); }

void CsvInput::Finish() { reader_.Finish(sink_); }

void CsvInput::OnRecord(const csv::CsvRecord& record) {
  const auto position = static_cast<int64_t>(record.line);
  if (first_record_) {
    first_record_ = false;
    if (header_ == HeaderMode::kPresent) return;
    if (header_ == HeaderMode::kAuto && !record.error && IsHeaderRecord(table_, record.fields, extra_)) return;
  }
  if (record.error) {
    const auto columns = core::SchemaOf(table_).columns;
    const uint64_t field = record.error->field;
    const std::string field_name =
        field >= 1 && field <= columns.size() ? std::string(columns[field - 1].name) : std::string("record");
    records_.AddReject(position, record.raw,
                       {{field_name, std::string(csv::CsvErrorTypeName(record.error->type)), record.error->message}});
    return;
  }
  fields_.clear();
  for (const auto& f : record.fields) fields_.emplace_back(f);
  if (extra_ == ExtraColumns::kIgnore) fields_.resize(std::min(fields_.size(), core::SchemaOf(table_).columns.size()));
  records_.AddRecord(fields_, position, record.raw);
}

}  // namespace migration::ingest
