#include "db/postgres/pg_backups.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/hire_counts.hpp"
#include "db/postgres/pg_copy.hpp"
#include "db/postgres/pg_sql_values.hpp"
#include "db/record_readers.hpp"
#include "db/referential_check.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

class PgRestore final : public RestoreTransaction {
 public:
  PgRestore(PgPool& pool, Table table, std::atomic<uint64_t>& local_commits)
      : conn_(pool), table_(table), local_commits_(local_commits) {
    conn_->Exec(pg_sql::kBeginRestore);
    if (table == Table::kHiredEmployees) conn_->Exec(pg_sql::kLockParentsForRestore);
    conn_->Exec(TableStatements(table).empty_for_restore);
  }

  void Add(std::span<const Row> rows) override {
    if (rows.empty()) return;
    try {
      CopyIn copy(*conn_, TableStatements(table_).restore_rows);
      for (const Row& row : rows) {
        AppendBinaryCopyRow(copy.buffer(), table_, row);
        copy.EndRow();
        if (table_ == Table::kHiredEmployees) counts_.Add(row, +1);
      }
      copy.Finish();
    } catch (const Error& error) {
      if (error.code() != ErrorCode::kConflict) throw;
      throw Error(ErrorCode::kConflict,
                  fmt::format("the backup holds a {} id more than once ({})", core::TableName(table_), error.what()));
    }
  }

  void Commit() override {
    CheckReferences(table_, [this](const std::string& sql) {
      const PgResult result = conn_->Exec({"check references", sql});
      std::vector<OrphanHire> orphans;
      orphans.reserve(static_cast<size_t>(result.Rows()));
      for (int i = 0; i < result.Rows(); ++i) {
        orphans.push_back({static_cast<int32_t>(result.Int(i, 0)), static_cast<int32_t>(result.Int(i, 1))});
      }
      return orphans;
    });
    if (table_ == Table::kHiredEmployees) ReplaceHireCounts();
    conn_->Exec(pg_sql::kBumpDataVersion);
    conn_->Exec(pg_sql::kCommitRestore);
    local_commits_.fetch_add(1, std::memory_order_release);
  }

 private:
  // The restored hires' counts replace the folded counts and every pending change (all of which
  // describe rows the TRUNCATE removed). The compactor's lock keeps it from folding meanwhile.
  void ReplaceHireCounts() {
    conn_->Exec(pg_sql::kLockCompactor);
    conn_->Exec(pg_sql::kDropPendingCountChanges);
    conn_->Exec(pg_sql::kDropCounts);
    const std::vector<HireCountDelta> counts = counts_.Sorted();
    if (counts.empty()) return;
    conn_->Exec(pg_sql::kWriteCounts, HireCountArrays(counts));
  }

  PgLease conn_;  // rolled back by its destructor unless committed
  Table table_;
  std::atomic<uint64_t>& local_commits_;
  HireCountDeltas counts_;
};

}  // namespace

void ScanTable(PgConnection& conn, Table table, const std::function<void(std::span<const Row>)>& sink) {
  // One snapshot for the whole scan, streamed through a cursor: memory holds one chunk.
  conn.Exec(pg_sql::kBeginScan);
  conn.Exec(TableStatements(table).open_scan);
  for (;;) {
    const PgResult result = conn.Exec(pg_sql::kFetchScanRows);
    if (result.Rows() == 0) break;
    const std::vector<Row> chunk = ReadRows(result, [table](const PgRow& row) { return ReadRow(row, table); });
    sink(chunk);
  }
  conn.Exec(pg_sql::kEndScan);
}

std::unique_ptr<RestoreTransaction> BeginRestore(PgPool& pool, Table table, std::atomic<uint64_t>& local_commits) {
  return std::make_unique<PgRestore>(pool, table, local_commits);
}

void InsertBackup(PgConnection& conn, const BackupRecord& backup) {
  PgParams params;
  params.Add(backup.id)
      .Add(core::TableName(backup.table))
      .Add(backup.rows)
      .Add(backup.bytes)
      .Add(backup.sha256)
      .Add(backup.key)
      .Add(backup.location)
      .Add(core::FormatRfc3339(backup.created_us));
  conn.Exec(pg_sql::kRecordBackup, params);
}

std::vector<BackupRecord> SelectBackups(PgConnection& conn, std::optional<Table> table, int limit) {
  PgParams params;
  if (table) {
    params.Add(core::TableName(*table));
  } else {
    params.AddNull();
  }
  params.Add(static_cast<int64_t>(limit));
  const PgResult result = conn.Exec(pg_sql::kListBackups, params);
  return ReadRows(result, ReadBackup<PgRow>);
}

std::optional<BackupRecord> SelectBackup(PgConnection& conn, const std::string& backup_id) {
  const PgResult result = conn.Exec(pg_sql::kGetBackup, PgParams().Add(backup_id));
  if (result.Rows() == 0) return std::nullopt;
  return ReadBackup(PgRow(result, 0));
}

}  // namespace migration::db::postgres
