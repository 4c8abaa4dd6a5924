#include "backup/restored_row_rules.hpp"

#include <fmt/format.h>

#include <string>

#include "core/error.hpp"
#include "ingest/row_rules.hpp"

namespace migration::backup {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants RFC 3339 can write.
constexpr int64_t kMinMicros = -62135596800LL * 1000000;
constexpr int64_t kMaxMicros = 253402300799LL * 1000000 + 999999;

[[noreturn]] void Refuse(core::Table table, const core::Row& row, uint64_t position, std::string_view field,
                         std::string_view message) {
  throw core::Error(core::ErrorCode::kUnprocessable,
                    fmt::format("the backup's record {} ({} id {}) breaks a data rule: {}: {}; nothing was restored",
                                position, core::TableName(table), row.id, field, message));
}

}  // namespace

void CheckRestoredRow(core::Table table, const core::Row& row, uint64_t position) {
  const auto& columns = core::SchemaOf(table).columns;
  if (row.id < 1) Refuse(table, row, position, columns[0].name, "ids are integers in 1..2147483647");
  std::string text;
  if (const auto error = ingest::ParseText(columns[1].name, row.text, text)) {
    Refuse(table, row, position, columns[1].name, error->message);
  }
  if (table != core::Table::kHiredEmployees) return;
  if (row.datetime_us < kMinMicros || row.datetime_us > kMaxMicros) {
    Refuse(table, row, position, columns[2].name, "outside the years 0001..9999");
  }
  if (row.department_id < 1) Refuse(table, row, position, columns[3].name, "ids are integers in 1..2147483647");
  if (row.job_id < 1) Refuse(table, row, position, columns[4].name, "ids are integers in 1..2147483647");
}

}  // namespace migration::backup
