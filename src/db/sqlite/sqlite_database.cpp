#include "db/sqlite/sqlite_database.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/connection_pool.hpp"
#include "db/hire_counts.hpp"
#include "db/migrations.hpp"
#include "db/record_readers.hpp"
#include "db/sqlite/sqlite_backups.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "db/sqlite/sqlite_imports.hpp"

namespace migration::db::sqlite {
namespace {

using core::Row;
using core::Table;

class SqliteLoadTransaction final : public LoadTransaction {
 public:
  SqliteLoadTransaction(Pool::Lease lease, int64_t load_id, LoadMode mode)
      : lease_(std::move(lease)), load_id_(load_id), mode_(mode) {
    lease_->Exec(sqlite_sql::kBeginWrite);
  }

  ~SqliteLoadTransaction() override {
    if (!committed_) {
      try {
        lease_->Exec(sqlite_sql::kRollback);
      } catch (...) {
        lease_.MarkBroken();
      }
    }
  }

  std::vector<int32_t> ExistingIds(Table table) override {
    Statement stmt(lease_->handle(), TableStatements(table).existing_ids);
    std::vector<int32_t> ids;
    while (stmt.Step()) ids.push_back(static_cast<int32_t>(stmt.Int(0)));
    return ids;
  }

  WriteResult WriteRows(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) override {
    if (mode_ == LoadMode::kWrite) return Write(table, rows, mode, all_or_nothing);
    // A dry run: the batch is written and undone, as on PostgreSQL (pg_load_transaction.cpp).
    lease_->Exec(sqlite_sql::kSavepointDryRun);
    WriteResult result = Write(table, rows, mode, all_or_nothing);
    lease_->Exec(sqlite_sql::kUndoDryRun);
    lease_->Exec(sqlite_sql::kReleaseDryRun);
    return result;
  }

  void WriteRejects(std::span<const RejectRecord> rejects) override {
    if (!insert_reject_) {
      insert_reject_ = std::make_unique<Statement>(lease_->handle(), sqlite_sql::kWriteReject);
    }
    for (const auto& reject : rejects) {
      insert_reject_->Bind(1, load_id_)
          .Bind(2, ++reject_seq_)
          .Bind(3, RejectLocatorName(reject.locator))
          .Bind(4, reject.position)
          .BindBlob(5, reject.raw)
          .Bind(6, reject.errors_json)
          .Bind(7, reject.raw_length);
      insert_reject_->Run();
    }
  }

  void RecordIdempotencyKey(const IdempotencyRecord& record) override {
    // An expired key (not purged yet) is replaced; a live one is another request's.
    Statement stmt(lease_->handle(), sqlite_sql::kRecordIdempotencyKey);
    stmt.Bind(1, record.principal).Bind(2, record.key).Bind(3, record.request).Bind(4, load_id_);
    stmt.Bind(5, record.fingerprint).Bind(6, record.ttl_seconds);
    stmt.Run();
    if (lease_->Changes() == 0) {
      throw core::Error(core::ErrorCode::kConflict, "another request already used this Idempotency-Key");
    }
  }

  void CompleteImportStep(const ImportStepCommit& commit) override { sqlite::CompleteImportStep(*lease_, commit); }

  void Commit(const LoadRecord& final_state) override {
    if (mode_ == LoadMode::kWrite) {
      ApplyHireCounts();
      lease_->Exec(sqlite_sql::kBumpDataVersion);
    } else {
      hire_counts_.Clear();  // a dry run changed no hire: the reports and their version stay
    }
    Statement stmt(lease_->handle(), sqlite_sql::kFinishLoad);
    const auto& c = final_state.counts;
    stmt.Bind(1, LoadStatusName(final_state.status))
        .Bind(2, final_state.finished_us.value_or(core::NowMicros()))
        .Bind(3, static_cast<int64_t>(c.received))
        .Bind(4, static_cast<int64_t>(c.inserted))
        .Bind(5, static_cast<int64_t>(c.updated))
        .Bind(6, static_cast<int64_t>(c.rejected))
        .Bind(7, static_cast<int64_t>(c.skipped))
        .Bind(8, final_state.error)
        .Bind(9, final_state.archive)
        .Bind(10, load_id_);
    stmt.Run();
    statements_ = {};
    insert_reject_.reset();
    select_hire_.reset();
    lease_->Exec(sqlite_sql::kCommit);
    committed_ = true;
  }

 private:
  WriteResult Write(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) {
    auto& statements = StatementsFor(table);
    const bool is_hire = table == Table::kHiredEmployees;
    WriteResult result;
    // An all-or-nothing call counts into its own deltas, which a rollback drops with the rows;
    // any other call counts straight into the load's (a merge per call was a tenth of an upload).
    HireCountDeltas batch_counts;
    HireCountDeltas& counted = all_or_nothing ? batch_counts : hire_counts_;
    if (all_or_nothing) lease_->Exec(sqlite_sql::kSavepointBatch);
    for (uint32_t i = 0; i < rows.size(); ++i) {
      BindRow(*statements.insert, table, rows[i]);
      statements.insert->Run();
      if (lease_->Changes() == 1) {
        ++result.inserted;
        if (is_hire) counted.Add(rows[i], +1);
        continue;
      }
      if (mode == OnConflict::kUpdate) {
        if (is_hire) counted.Add(StoredHire(rows[i].id), -1);
        BindRow(*statements.update, table, rows[i]);
        statements.update->Run();
        ++result.updated;
        if (is_hire) counted.Add(rows[i], +1);
      } else {
        result.conflicts.push_back(i);
      }
    }
    if (all_or_nothing) {
      if (mode == OnConflict::kReject && !result.conflicts.empty()) {
        lease_->Exec(sqlite_sql::kRollbackToBatch);
        result.inserted = 0;
        counted.Clear();
      }
      lease_->Exec(sqlite_sql::kReleaseBatch);
      hire_counts_.Merge(batch_counts);
    }
    return result;
  }

  struct PreparedStatements {
    std::unique_ptr<Statement> insert;  // INSERT … ON CONFLICT DO NOTHING: Changes() tells new from existing
    std::unique_ptr<Statement> update;
  };

  // The stored values of hire `id` (the transaction holds the write lock: nobody changes it meanwhile).
  Row StoredHire(int32_t id) {
    if (!select_hire_) {
      select_hire_ = std::make_unique<Statement>(lease_->handle(), TableStatements(Table::kHiredEmployees).get_row);
    }
    select_hire_->Bind(1, id);
    Row old;
    if (select_hire_->Step()) old = ReadRow(*select_hire_, Table::kHiredEmployees);
    select_hire_->Reset();
    return old;
  }

  void ApplyHireCounts() {
    const std::vector<HireCountDelta> deltas = hire_counts_.Sorted();
    if (deltas.empty()) return;
    Statement upsert(lease_->handle(), sqlite_sql::kAddHireCounts);
    for (const auto& delta : deltas) {
      upsert.Bind(1, delta.key.year).Bind(2, delta.key.department_id).Bind(3, delta.key.job_id);
      for (int q = 0; q < 4; ++q) upsert.Bind(4 + q, delta.quarters[static_cast<size_t>(q)]);
      upsert.Run();
    }
    hire_counts_.Clear();
  }

  PreparedStatements& StatementsFor(Table table) {
    auto& s = statements_[static_cast<size_t>(table)];
    if (!s.insert) {
      s.insert = std::make_unique<Statement>(lease_->handle(), TableStatements(table).insert_new);
      s.update = std::make_unique<Statement>(lease_->handle(), TableStatements(table).upsert);
    }
    return s;
  }

  Pool::Lease lease_;
  int64_t load_id_;
  LoadMode mode_;
  int64_t reject_seq_ = 0;
  bool committed_ = false;
  std::unique_ptr<Statement> select_hire_;
  HireCountDeltas hire_counts_;  // applied just before COMMIT (see db/hire_counts.hpp)
  std::array<PreparedStatements, 3> statements_;
  std::unique_ptr<Statement> insert_reject_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options)
      : path_(std::move(path)),
        pool_([this] { return std::make_unique<Connection>(path_); }, options.pool_size,
              std::chrono::milliseconds(options.acquire_timeout_ms)),
        imports_(MakeSqliteImportQueue(pool_)) {}

  std::string_view BackendName() const override { return "sqlite"; }
  ConnectionPoolStats PoolStats() override { return pool_.GetStats(); }

  int Migrate() override {
    auto conn = pool_.Acquire();
    conn->Exec(sqlite_sql::kCreateSchemaMigrations);
    conn->Exec(sqlite_sql::kBeginWrite);
    try {
      int current = 0;
      {
        Statement stmt(conn->handle(), sqlite_sql::kSchemaVersion);
        if (stmt.Step()) current = static_cast<int>(stmt.Int(0));
      }
      int applied = 0;
      for (const auto& migration : MigrationsFor("sqlite")) {
        if (migration.version <= current) continue;
        const std::string name = fmt::format("migration {:04}_{}", migration.version, migration.name);
        conn->Exec({name, std::string(migration.sql)});
        Statement record(conn->handle(), sqlite_sql::kRecordMigration);
        record.Bind(1, migration.version).Bind(2, migration.name).Bind(3, core::NowMicros());
        record.Run();
        ++applied;
      }
      conn->Exec(sqlite_sql::kCommit);
      return applied;
    } catch (...) {
      conn->Exec(sqlite_sql::kRollback);
      throw;
    }
  }

  bool Ready() override {
    try {
      auto conn = pool_.Acquire();
      Statement stmt(conn->handle(), sqlite_sql::kSchemaVersion);
      return stmt.Step() && stmt.Int(0) == LatestVersion("sqlite");
    } catch (const std::exception&) {
      return false;
    }
  }

  int64_t CreateLoad(const LoadRecord& load) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kCreateLoad);
    stmt.Bind(1, core::TableName(load.table))
        .Bind(2, load.source)
        .Bind(3, OnConflictName(load.on_conflict))
        .Bind(4, LoadStatusName(LoadStatus::kRunning))
        .Bind(5, load.started_us)
        .Bind(6, load.host);
    if (load.retry_of) {
      stmt.Bind(7, *load.retry_of);
    } else {
      stmt.BindNull(7);
    }
    stmt.Bind(8, load.trace_id);
    stmt.Run();
    return sqlite3_last_insert_rowid(conn->handle());
  }

  void FailLoad(int64_t load_id, const LoadCounts& counts, const std::string& error) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kFailLoad);
    stmt.Bind(1, core::NowMicros()).Bind(2, static_cast<int64_t>(counts.received)).Bind(3, error).Bind(4, load_id);
    stmt.Run();
  }

  int FailInterruptedLoads(const std::string& host) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kFailInterruptedLoads);
    stmt.Bind(1, core::NowMicros()).Bind(2, host);
    stmt.Run();
    return conn->Changes();
  }

  std::vector<std::string> RunningLoadHosts() override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kRunningLoadHosts);
    std::vector<std::string> hosts;
    while (stmt.Step()) hosts.push_back(stmt.Text(0));
    return hosts;
  }

  ImportQueue& Imports() override { return *imports_; }

  std::unique_ptr<LoadTransaction> BeginLoad(int64_t load_id, LoadMode mode) override {
    return std::make_unique<SqliteLoadTransaction>(pool_.Acquire(), load_id, mode);
  }

  std::vector<Row> ListRows(Table table, Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), TableStatements(table).list_rows);
    stmt.Bind(1, page.after).Bind(2, page.limit);
    std::vector<Row> rows;
    while (stmt.Step()) rows.push_back(ReadRow(stmt, table));
    return rows;
  }

  void ScanTable(Table table, const std::function<void(std::span<const Row>)>& sink) override {
    auto conn = pool_.Acquire();
    sqlite::ScanTable(*conn, table, sink);
  }

  std::unique_ptr<RestoreTransaction> BeginRestore(Table table) override {
    return sqlite::BeginRestore(pool_.Acquire(), table);
  }

  void RecordBackup(const BackupRecord& backup) override {
    auto conn = pool_.Acquire();
    InsertBackup(*conn, backup);
  }

  std::vector<BackupRecord> ListBackups(std::optional<Table> table, Page page) override {
    auto conn = pool_.Acquire();
    return SelectBackups(*conn, table, page.limit);
  }

  std::optional<BackupRecord> GetBackup(const std::string& backup_id) override {
    auto conn = pool_.Acquire();
    return SelectBackup(*conn, backup_id);
  }

  std::vector<QuarterCountsRow> HiresByQuarter(int year) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kHiresByQuarter);
    stmt.Bind(1, static_cast<int64_t>(year));
    std::vector<QuarterCountsRow> rows;
    while (stmt.Step()) rows.push_back(ReadQuarterCounts(stmt));
    return rows;
  }

  std::vector<DepartmentHiresRow> DepartmentHires(int year) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kDepartmentHires);
    stmt.Bind(1, static_cast<int64_t>(year));
    std::vector<DepartmentHiresRow> rows;
    while (stmt.Step()) rows.push_back(ReadDepartmentHires(stmt));
    return rows;
  }

  std::optional<IdempotencyRecord> FindIdempotencyKey(const std::string& principal, const std::string& key,
                                                      int64_t ttl_seconds) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kFindIdempotencyKey);
    stmt.Bind(1, principal).Bind(2, key).Bind(3, ttl_seconds);
    if (!stmt.Step()) return std::nullopt;
    return IdempotencyRecord{principal, key, stmt.Text(0), stmt.Int(1), stmt.Text(2), ttl_seconds};
  }

  int64_t PurgeExpiredIdempotencyKeys(int64_t ttl_seconds) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kPurgeIdempotencyKeys);
    stmt.Bind(1, ttl_seconds);
    stmt.Run();
    int64_t purged = conn->Changes();
    Statement imports(conn->handle(), sqlite_sql::kPurgeImportKeys);
    imports.Bind(1, core::NowMicros() - ttl_seconds * 1000000);
    imports.Run();
    return purged + conn->Changes();
  }

  int64_t DataVersion() override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kDataVersion);
    return stmt.Step() ? stmt.Int(0) : 0;
  }

  std::optional<Row> GetRow(Table table, int32_t id) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), TableStatements(table).get_row);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadRow(stmt, table);
  }

  std::vector<LoadRecord> ListLoads(Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kListLoads);
    stmt.Bind(1, page.after).Bind(2, page.after).Bind(3, page.limit);
    std::vector<LoadRecord> loads;
    while (stmt.Step()) loads.push_back(ReadLoad(stmt));
    return loads;
  }

  std::optional<LoadRecord> GetLoad(int64_t load_id) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kGetLoad);
    stmt.Bind(1, load_id);
    if (!stmt.Step()) return std::nullopt;
    return ReadLoad(stmt);
  }

  std::vector<StoredReject> ListRejects(int64_t load_id, Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kListRejects);
    stmt.Bind(1, load_id).Bind(2, page.after).Bind(3, page.limit);
    std::vector<StoredReject> out;
    while (stmt.Step()) out.push_back(ReadReject(stmt));
    return out;
  }

 private:
  std::string path_;
  Pool pool_;
  std::unique_ptr<ImportQueue> imports_;  // after pool_: it uses it
};

}  // namespace

std::unique_ptr<Database> OpenSqliteDatabase(const std::string& path, const DatabaseOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace migration::db::sqlite
