#include "db/postgres/pg_backups.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/hire_counts.hpp"
#include "db/postgres/pg_copy.hpp"
#include "db/postgres/pg_hire_count_compactor.hpp"
#include "db/postgres/pg_sql_values.hpp"
#include "db/record_readers.hpp"
#include "db/referential_check.hpp"
#include "db/table_sql.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

constexpr int kScanChunkRows = 10000;

const std::string kBackupColumns = BackupColumns(MicrosOf);

class PgRestore final : public RestoreTransaction {
 public:
  PgRestore(PgPool& pool, Table table, std::atomic<uint64_t>& local_commits)
      : conn_(pool), table_(table), local_commits_(local_commits) {
    conn_->Exec("begin restore", "BEGIN");
    if (table == Table::kHiredEmployees) {
      // The parents stay as they are until this commits; same order as loads take them.
      conn_->Exec("lock parents", "LOCK TABLE departments, jobs IN SHARE MODE");
    }
    // ACCESS EXCLUSIVE: waits for the loads that read or write this table, and holds new ones
    // back until the restore commits (hire loads lock the parents SHARE, see pg_load_transaction).
    conn_->Exec("empty table", fmt::format("TRUNCATE {}", core::TableName(table)));
  }

  void Add(std::span<const Row> rows) override {
    if (rows.empty()) return;
    try {
      CopyIn copy(*conn_, "restore rows",
                  fmt::format("COPY {} ({}) FROM STDIN", core::TableName(table_), ColumnList(table_)));
      for (const Row& row : rows) {
        AppendCopyRow(copy.buffer(), table_, row);
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
      const PgResult result = conn_->Exec("check references", sql);
      std::vector<OrphanHire> orphans;
      orphans.reserve(static_cast<size_t>(result.Rows()));
      for (int i = 0; i < result.Rows(); ++i) {
        orphans.push_back({static_cast<int32_t>(result.Int(i, 0)), static_cast<int32_t>(result.Int(i, 1))});
      }
      return orphans;
    });
    if (table_ == Table::kHiredEmployees) ReplaceHireCounts();
    conn_->Exec("bump data version",
                "INSERT INTO data_version (backend_pid, commits) VALUES (pg_backend_pid(), 1) "
                "ON CONFLICT (backend_pid) DO UPDATE SET commits = data_version.commits + 1");
    conn_->Exec("commit restore", "COMMIT");
    local_commits_.fetch_add(1, std::memory_order_release);
  }

 private:
  // The restored hires' counts replace the folded counts and every pending change (all of which
  // describe rows the TRUNCATE removed). The compactor's lock keeps it from folding meanwhile.
  void ReplaceHireCounts() {
    conn_->Exec("lock compactor", fmt::format("SELECT pg_advisory_xact_lock({})", kCompactLockKey));
    conn_->Exec("drop pending count changes", "DELETE FROM hire_count_deltas");
    conn_->Exec("drop counts", "DELETE FROM hire_counts");
    const std::vector<HireCountDelta> counts = counts_.Sorted();
    if (counts.empty()) return;
    conn_->Exec("write counts",
                "INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4) "
                "SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[], "
                "$6::bigint[], $7::bigint[])",
                HireCountArrays(counts));
  }

  PgLease conn_;  // rolled back by its destructor unless committed
  Table table_;
  std::atomic<uint64_t>& local_commits_;
  HireCountDeltas counts_;
};

}  // namespace

void ScanTable(PgConnection& conn, Table table, const std::function<void(std::span<const Row>)>& sink) {
  // One snapshot for the whole scan, streamed through a cursor: memory holds one chunk.
  conn.Exec("begin scan", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  conn.Exec("open cursor", fmt::format("DECLARE scan NO SCROLL CURSOR FOR SELECT {} FROM {} ORDER BY id",
                                       RowColumns(table, MicrosOf), core::TableName(table)));
  const std::string fetch = fmt::format("FETCH {} FROM scan", kScanChunkRows);
  for (;;) {
    const PgResult result = conn.Exec("fetch rows", fetch);
    if (result.Rows() == 0) break;
    const std::vector<Row> chunk = ReadRows(result, [table](const PgRow& row) { return ReadRow(row, table); });
    sink(chunk);
  }
  conn.Exec("end scan", "COMMIT");
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
  conn.Exec("record backup",
            "INSERT INTO backups (id, table_name, rows, bytes, sha256, object_key, location, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)",
            params);
}

std::vector<BackupRecord> SelectBackups(PgConnection& conn, std::optional<Table> table, int limit) {
  PgParams params;
  if (table) {
    params.Add(core::TableName(*table));
  } else {
    params.AddNull();
  }
  params.Add(static_cast<int64_t>(limit));
  const PgResult result = conn.Exec(
      "list backups",
      fmt::format("SELECT {} FROM backups WHERE ($1::text IS NULL OR table_name = $1) ORDER BY created_at DESC, id "
                  "LIMIT $2::bigint",
                  kBackupColumns),
      params);
  return ReadRows(result, ReadBackup<PgRow>);
}

std::optional<BackupRecord> SelectBackup(PgConnection& conn, const std::string& backup_id) {
  const PgResult result = conn.Exec("get backup", fmt::format("SELECT {} FROM backups WHERE id = $1", kBackupColumns),
                                    PgParams().Add(backup_id));
  if (result.Rows() == 0) return std::nullopt;
  return ReadBackup(PgRow(result, 0));
}

}  // namespace migration::db::postgres
