#pragma once
// The record mappings, written once for both backends. Each reads one result row, in the column
// order of its list below, through the backend's row cursor (sqlite::Statement, postgres::PgRow):
// only how a value is fetched is dialect; which column means what is decided here.
//
// A cursor provides, for a 0-based column:
//   Int(c)            an integer
//   Text(c)           text, copied out
//   Bytes(c)          raw bytes (SQLite text or blob, PostgreSQL bytea)
//   Instant(c, name)  an instant as microseconds since the epoch, however the backend stores it
//                     (`name` names the column in a "corrupt row" error)
//   IsNull(c)

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/import_records.hpp"
#include "db/records.hpp"
#include "db/report_records.hpp"
#include "db/stored_values.hpp"

namespace migration::db {

template <typename R>
concept ResultRow = requires(const R& row, int column, std::string_view name) {
  { row.Int(column) } -> std::convertible_to<int64_t>;
  { row.Text(column) } -> std::convertible_to<std::string>;
  { row.Bytes(column) } -> std::convertible_to<std::string>;
  { row.Instant(column, name) } -> std::convertible_to<int64_t>;
  { row.IsNull(column) } -> std::same_as<bool>;
};

// How a backend's SELECT renders an instant column so that its cursor's Instant() reads it.
using InstantColumn = std::string (*)(std::string_view column);
// The column as stored (SQLite: its cursor reads integers and RFC 3339 text alike).
std::string InstantAsStored(std::string_view column);

// The column lists the readers below expect, in their order.
std::string LoadColumns(InstantColumn instant);
std::string BackupColumns(InstantColumn instant);
std::string RowColumns(core::Table table, InstantColumn instant);  // the table's schema order
std::string ImportColumns(InstantColumn instant);                  // an import without its steps
std::string ImportStepColumns(InstantColumn instant);              // import_id first, then the step
// Rejects: seq, locator, position, raw, errors, the raw record's full length.
// Hires by quarter: department id, department, job id, job, Q1..Q4.
// Department hires: id, department, hires.

template <ResultRow R>
LoadRecord ReadLoad(const R& row) {
  LoadRecord load;
  load.id = row.Int(0);
  load.table = StoredTable(row.Text(1), "loads.table_name");
  load.source = row.Text(2);
  load.on_conflict = StoredOnConflict(row.Text(3));
  load.status = StoredLoadStatus(row.Text(4));
  load.started_us = row.Instant(5, "loads.started_at");
  if (!row.IsNull(6)) load.finished_us = row.Instant(6, "loads.finished_at");
  load.counts = {static_cast<uint64_t>(row.Int(7)), static_cast<uint64_t>(row.Int(8)),
                 static_cast<uint64_t>(row.Int(9)), static_cast<uint64_t>(row.Int(10)),
                 static_cast<uint64_t>(row.Int(11))};
  load.error = row.Text(12);
  load.host = row.Text(13);
  load.archive = row.Text(14);
  if (!row.IsNull(15)) load.retry_of = row.Int(15);
  load.trace_id = row.Text(16);
  return load;
}

template <ResultRow R>
ImportRecord ReadImport(const R& row) {
  ImportRecord import;
  import.id = row.Int(0);
  import.source = row.Text(1);
  import.status = StoredImportStatus(row.Text(2));
  import.header = row.Text(3);
  import.on_conflict = StoredOnConflict(row.Text(4));
  import.dry_run = row.Int(5) != 0;
  import.created_us = row.Instant(6, "imports.created_at");
  if (!row.IsNull(7)) import.started_us = row.Instant(7, "imports.started_at");
  if (!row.IsNull(8)) import.finished_us = row.Instant(8, "imports.finished_at");
  import.error = row.Text(9);
  import.trace_id = row.Text(10);
  import.host = row.Text(11);
  import.cancel_requested = row.Int(12) != 0;
  import.attempts = static_cast<int>(row.Int(13));
  if (!row.IsNull(14)) import.lease_expires_us = row.Instant(14, "imports.lease_expires_at");
  return import;
}

// Column 0 is the step's import id (for grouping a page of imports' steps); the step follows.
template <ResultRow R>
ImportStep ReadImportStep(const R& row) {
  ImportStep step;
  step.position = static_cast<int>(row.Int(1));
  step.table = StoredTable(row.Text(2), "import_steps.table_name");
  step.key = row.Text(3);
  step.status = row.Text(4);
  if (!row.IsNull(5)) step.load_id = row.Int(5);
  step.bytes_total = static_cast<uint64_t>(row.Int(6));
  step.bytes_read = static_cast<uint64_t>(row.Int(7));
  step.counts = {static_cast<uint64_t>(row.Int(8)), static_cast<uint64_t>(row.Int(9)),
                 static_cast<uint64_t>(row.Int(10)), static_cast<uint64_t>(row.Int(11)),
                 static_cast<uint64_t>(row.Int(12))};
  if (!row.IsNull(13)) step.started_us = row.Instant(13, "import_steps.started_at");
  if (!row.IsNull(14)) step.finished_us = row.Instant(14, "import_steps.finished_at");
  step.attempts = static_cast<int>(row.Int(15));
  return step;
}

template <ResultRow R>
BackupRecord ReadBackup(const R& row) {
  BackupRecord backup;
  backup.id = row.Text(0);
  backup.table = StoredTable(row.Text(1), "backups.table_name");
  backup.rows = row.Int(2);
  backup.bytes = row.Int(3);
  backup.sha256 = row.Text(4);
  backup.key = row.Text(5);
  backup.location = row.Text(6);
  backup.created_us = row.Instant(7, "backups.created_at");
  return backup;
}

template <ResultRow R>
core::Row ReadRow(const R& result, core::Table table) {
  core::Row row;
  row.id = static_cast<int32_t>(result.Int(0));
  row.text = result.Text(1);
  if (table == core::Table::kHiredEmployees) {
    row.datetime_us = result.Instant(2, "hired_employees.datetime");
    row.department_id = static_cast<int32_t>(result.Int(3));
    row.job_id = static_cast<int32_t>(result.Int(4));
  }
  return row;
}

template <ResultRow R>
StoredReject ReadReject(const R& row) {
  StoredReject stored;
  stored.seq = row.Int(0);
  stored.reject.locator = StoredRejectLocator(row.Text(1));
  stored.reject.position = row.Int(2);
  stored.reject.raw = row.Bytes(3);
  stored.reject.errors_json = row.Text(4);
  stored.reject.raw_length = row.Int(5);
  return stored;
}

template <ResultRow R>
QuarterCountsRow ReadQuarterCounts(const R& row) {
  QuarterCountsRow counts;
  counts.department_id = static_cast<int32_t>(row.Int(0));
  counts.department = row.Text(1);
  counts.job_id = static_cast<int32_t>(row.Int(2));
  counts.job = row.Text(3);
  for (int q = 0; q < 4; ++q) counts.quarters[static_cast<size_t>(q)] = row.Int(4 + q);
  return counts;
}

template <ResultRow R>
DepartmentHiresRow ReadDepartmentHires(const R& row) {
  return {static_cast<int32_t>(row.Int(0)), row.Text(1), row.Int(2)};
}

}  // namespace migration::db
