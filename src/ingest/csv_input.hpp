#pragma once
// Feeds CSV bytes into a RecordSink (a Load, or a RecordBuffer for a batch): splits records with
// the streaming CSV reader, recognises the header line, and turns reader errors into rejects
// (field, code, line) instead of failures.

#include <optional>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "ingest/csv/csv_reader.hpp"
#include "ingest/record_sink.hpp"

namespace migration::ingest {

enum class HeaderMode { kAuto, kPresent, kAbsent };

std::optional<HeaderMode> HeaderModeFromName(std::string_view name);  // "auto", "present", "absent"

// Fields after the table's columns: a reject (too many fields), or dropped — for a file that
// carries notes beside the data, such as the rejects CSV (`line`, `errors`) a person fixed.
enum class ExtraColumns { kReject, kIgnore };

std::optional<ExtraColumns> ExtraColumnsFromName(std::string_view name);  // "reject", "ignore"

// True when `fields` are the table's column names (case-insensitive, surrounding ASCII spaces
// ignored); with kIgnore, when the table's column names come first.
bool IsHeaderRecord(core::Table table, const std::vector<std::string_view>& fields,
                    ExtraColumns extra = ExtraColumns::kReject);

class CsvInput {
 public:
  CsvInput(RecordSink& sink, core::Table table, HeaderMode header, ExtraColumns extra = ExtraColumns::kReject);

  void Consume(std::string_view bytes);
  void Finish();

  uint64_t bytes_consumed() const { return reader_.bytes_consumed(); }

 private:
  void OnRecord(const csv::CsvRecord& record);

  RecordSink& records_;
  core::Table table_;
  HeaderMode header_;
  ExtraColumns extra_;
  csv::CsvReader reader_;
  csv::CsvReader::Sink sink_;
  bool first_record_ = true;
  std::vector<std::optional<std::string_view>> fields_;
};

}  // namespace migration::ingest
