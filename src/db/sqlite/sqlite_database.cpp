#include "db/sqlite/sqlite_database.hpp"
#include "db/hire_counts.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/connection_pool.hpp"
#include "db/migrations.hpp"
#include "db/record_readers.hpp"
#include "db/sqlite/sqlite_backups.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "db/table_sql.hpp"

namespace migration::db::sqlite {
namespace {

using core::Row;
using core::Table;

std::string Placeholders(Table table) {
  std::string out;
  for (size_t i = 0; i < core::SchemaOf(table).columns.size(); ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

const std::string kLoadColumns = LoadColumns(InstantAsStored);

class SqliteLoadTransaction final : public LoadTransaction {
 public:
  SqliteLoadTransaction(Pool::Lease lease, int64_t load_id) : lease_(std::move(lease)), load_id_(load_id) {
    // IMMEDIATE takes the write lock now, so the load never fails half-way on a lock upgrade.
    lease_->Exec("BEGIN IMMEDIATE");
  }

  ~SqliteLoadTransaction() override {
    if (!committed_) {
      try {
        lease_->Exec("ROLLBACK");
      } catch (...) {
        lease_.MarkBroken();
      }
    }
  }

  std::vector<int32_t> ExistingIds(Table table) override {
    Statement stmt(lease_->handle(), fmt::format("SELECT id FROM {}", core::TableName(table)));
    std::vector<int32_t> ids;
    while (stmt.Step()) ids.push_back(static_cast<int32_t>(stmt.Int(0)));
    return ids;
  }

  WriteResult WriteRows(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) override {
    auto& statements = StatementsFor(table);
    const bool is_hire = table == Table::kHiredEmployees;
    WriteResult result;
    // An all-or-nothing call counts into its own deltas, which a rollback drops with the rows;
    // any other call counts straight into the load's (a merge per call was a tenth of an upload).
    HireCountDeltas batch_counts;
    HireCountDeltas& counted = all_or_nothing ? batch_counts : hire_counts_;
    if (all_or_nothing) lease_->Exec("SAVEPOINT batch");
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
        lease_->Exec("ROLLBACK TO batch");
        result.inserted = 0;
        counted.Clear();
      }
      lease_->Exec("RELEASE batch");
      hire_counts_.Merge(batch_counts);
    }
    return result;
  }

  void WriteRejects(std::span<const RejectRecord> rejects) override {
    if (!insert_reject_) {
      insert_reject_ = std::make_unique<Statement>(lease_->handle(),
                                                   "INSERT INTO rejects (load_id, seq, locator, position, raw, errors, "
                                                   "raw_length) VALUES (?, ?, ?, ?, ?, ?, ?)");
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
    Statement stmt(
        lease_->handle(),
        "INSERT INTO idempotency_keys (principal, key, request, load_id, fingerprint) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (principal, key) DO UPDATE SET request = excluded.request, load_id = excluded.load_id, "
        "fingerprint = excluded.fingerprint, created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
        "WHERE idempotency_keys.created_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' seconds')");
    stmt.Bind(1, record.principal).Bind(2, record.key).Bind(3, record.request).Bind(4, load_id_);
    stmt.Bind(5, record.fingerprint).Bind(6, record.ttl_seconds);
    stmt.Run();
    if (lease_->Changes() == 0) {
      throw core::Error(core::ErrorCode::kConflict, "another request already used this Idempotency-Key");
    }
  }

  void Commit(const LoadRecord& final_state) override {
    ApplyHireCounts();
    lease_->Exec("UPDATE data_version SET commits = commits + 1");
    Statement stmt(
        lease_->handle(),
        "UPDATE loads SET status = ?, finished_at = ?, rows_received = ?, rows_inserted = ?, rows_updated = ?, "
        "rows_rejected = ?, rows_skipped = ?, error = ?, archive = ? WHERE id = ?");
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
    lease_->Exec("COMMIT");
    committed_ = true;
  }

 private:
  struct TableStatements {
    std::unique_ptr<Statement> insert;  // INSERT … ON CONFLICT DO NOTHING: Changes() tells new from existing
    std::unique_ptr<Statement> update;
  };

  // The stored values of hire `id` (the transaction holds the write lock: nobody changes it meanwhile).
  Row StoredHire(int32_t id) {
    if (!select_hire_) {
      select_hire_ = std::make_unique<Statement>(
          lease_->handle(),
          fmt::format("SELECT {} FROM hired_employees WHERE id = ?", ColumnList(Table::kHiredEmployees)));
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
    Statement upsert(
        lease_->handle(),
        "INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (year, department_id, job_id) DO UPDATE SET q1 = q1 + excluded.q1, "
        "q2 = q2 + excluded.q2, q3 = q3 + excluded.q3, q4 = q4 + excluded.q4");
    for (const auto& delta : deltas) {
      upsert.Bind(1, delta.key.year).Bind(2, delta.key.department_id).Bind(3, delta.key.job_id);
      for (int q = 0; q < 4; ++q) upsert.Bind(4 + q, delta.quarters[static_cast<size_t>(q)]);
      upsert.Run();
    }
    hire_counts_.Clear();
  }

  TableStatements& StatementsFor(Table table) {
    auto& s = statements_[static_cast<size_t>(table)];
    if (!s.insert) {
      const auto name = core::TableName(table);
      s.insert = std::make_unique<Statement>(
          lease_->handle(), fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING", name,
                                        ColumnList(table), Placeholders(table)));
      s.update = std::make_unique<Statement>(
          lease_->handle(), fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}", name,
                                        ColumnList(table), Placeholders(table), UpdateFromExcluded(table)));
    }
    return s;
  }

  Pool::Lease lease_;
  int64_t load_id_;
  int64_t reject_seq_ = 0;
  bool committed_ = false;
  std::unique_ptr<Statement> select_hire_;
  HireCountDeltas hire_counts_;  // applied just before COMMIT (see db/hire_counts.hpp)
  std::array<TableStatements, 3> statements_;
  std::unique_ptr<Statement> insert_reject_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options)
      : path_(std::move(path)),
        pool_([this] { return std::make_unique<Connection>(path_); }, options.pool_size,
              std::chrono::milliseconds(options.acquire_timeout_ms)) {}

  std::string_view BackendName() const override { return "sqlite"; }
  ConnectionPoolStats PoolStats() override { return pool_.GetStats(); }

  int Migrate() override {
    auto conn = pool_.Acquire();
    conn->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL)");
    conn->Exec("BEGIN IMMEDIATE");
    try {
      int current = 0;
      {
        Statement stmt(conn->handle(), "SELECT coalesce(max(version), 0) FROM schema_migrations");
        if (stmt.Step()) current = static_cast<int>(stmt.Int(0));
      }
      int applied = 0;
      for (const auto& migration : MigrationsFor("sqlite")) {
        if (migration.version <= current) continue;
        conn->Exec(migration.sql);
        Statement record(conn->handle(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
        record.Bind(1, migration.version).Bind(2, migration.name).Bind(3, core::NowMicros());
        record.Run();
        ++applied;
      }
      conn->Exec("COMMIT");
      return applied;
    } catch (...) {
      conn->Exec("ROLLBACK");
      throw;
    }
  }

  bool Ready() override {
    try {
      auto conn = pool_.Acquire();
      Statement stmt(conn->handle(), "SELECT coalesce(max(version), 0) FROM schema_migrations");
      return stmt.Step() && stmt.Int(0) == LatestVersion("sqlite");
    } catch (const std::exception&) {
      return false;
    }
  }

  int64_t CreateLoad(const LoadRecord& load) override {
    auto conn = pool_.Acquire();
    Statement stmt(
        conn->handle(),
        "INSERT INTO loads (table_name, source, on_conflict, status, started_at, host) VALUES (?, ?, ?, ?, ?, ?)");
    stmt.Bind(1, core::TableName(load.table))
        .Bind(2, load.source)
        .Bind(3, OnConflictName(load.on_conflict))
        .Bind(4, LoadStatusName(LoadStatus::kRunning))
        .Bind(5, load.started_us)
        .Bind(6, load.host);
    stmt.Run();
    return sqlite3_last_insert_rowid(conn->handle());
  }

  void FailLoad(int64_t load_id, const LoadCounts& counts, const std::string& error) override {
    auto conn = pool_.Acquire();
    Statement stmt(
        conn->handle(),
        "UPDATE loads SET status = 'failed', finished_at = ?, rows_received = ?, error = ?, rows_inserted = 0, "
        "rows_updated = 0, rows_rejected = 0, rows_skipped = 0 WHERE id = ? AND status = 'running'");
    stmt.Bind(1, core::NowMicros()).Bind(2, static_cast<int64_t>(counts.received)).Bind(3, error).Bind(4, load_id);
    stmt.Run();
  }

  int FailInterruptedLoads(const std::string& host) override {
    auto conn = pool_.Acquire();
    Statement stmt(
        conn->handle(),
        "UPDATE loads SET status = 'failed', finished_at = ?, error = 'interrupted: the server stopped before "
        "the load finished; nothing of it was committed' WHERE status = 'running' AND host = ?");
    stmt.Bind(1, core::NowMicros()).Bind(2, host);
    stmt.Run();
    return conn->Changes();
  }

  std::unique_ptr<LoadTransaction> BeginLoad(int64_t load_id) override {
    return std::make_unique<SqliteLoadTransaction>(pool_.Acquire(), load_id);
  }

  std::vector<Row> ListRows(Table table, Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), fmt::format("SELECT {} FROM {} WHERE id > ? ORDER BY id LIMIT ?", ColumnList(table),
                                               core::TableName(table)));
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
    Statement stmt(conn->handle(),
                   "SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4 FROM hire_counts c "
                   "JOIN departments d ON d.id = c.department_id JOIN jobs j ON j.id = c.job_id WHERE c.year = ?1 AND "
                   "c.q1 + c.q2 + c.q3 + c.q4 > 0");
    stmt.Bind(1, static_cast<int64_t>(year));
    std::vector<QuarterCountsRow> rows;
    while (stmt.Step()) rows.push_back(ReadQuarterCounts(stmt));
    return rows;
  }

  std::vector<DepartmentHiresRow> DepartmentHires(int year) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   "SELECT d.id, d.department, coalesce(c.hired, 0) FROM departments d LEFT JOIN ("
                   "SELECT department_id, sum(q1 + q2 + q3 + q4) AS hired FROM hire_counts WHERE year = ?1 "
                   "GROUP BY department_id) c ON c.department_id = d.id");
    stmt.Bind(1, static_cast<int64_t>(year));
    std::vector<DepartmentHiresRow> rows;
    while (stmt.Step()) rows.push_back(ReadDepartmentHires(stmt));
    return rows;
  }

  std::optional<IdempotencyRecord> FindIdempotencyKey(const std::string& principal, const std::string& key,
                                                      int64_t ttl_seconds) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   "SELECT request, load_id, fingerprint FROM idempotency_keys WHERE principal = ? AND key = ? "
                   "AND created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' seconds')");
    stmt.Bind(1, principal).Bind(2, key).Bind(3, ttl_seconds);
    if (!stmt.Step()) return std::nullopt;
    return IdempotencyRecord{principal, key, stmt.Text(0), stmt.Int(1), stmt.Text(2), ttl_seconds};
  }

  int64_t PurgeExpiredIdempotencyKeys(int64_t ttl_seconds) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   "DELETE FROM idempotency_keys "
                   "WHERE created_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' seconds')");
    stmt.Bind(1, ttl_seconds);
    stmt.Run();
    return conn->Changes();
  }

  int64_t DataVersion() override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), "SELECT commits FROM data_version");
    return stmt.Step() ? stmt.Int(0) : 0;
  }

  std::optional<Row> GetRow(Table table, int32_t id) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   fmt::format("SELECT {} FROM {} WHERE id = ?", ColumnList(table), core::TableName(table)));
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadRow(stmt, table);
  }

  std::vector<LoadRecord> ListLoads(Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   fmt::format("SELECT {} FROM loads WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?", kLoadColumns));
    stmt.Bind(1, page.after).Bind(2, page.after).Bind(3, page.limit);
    std::vector<LoadRecord> loads;
    while (stmt.Step()) loads.push_back(ReadLoad(stmt));
    return loads;
  }

  std::optional<LoadRecord> GetLoad(int64_t load_id) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), fmt::format("SELECT {} FROM loads WHERE id = ?", kLoadColumns));
    stmt.Bind(1, load_id);
    if (!stmt.Step()) return std::nullopt;
    return ReadLoad(stmt);
  }

  std::vector<StoredReject> ListRejects(int64_t load_id, Page page) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(),
                   "SELECT seq, locator, position, raw, errors, COALESCE(raw_length, length(raw)) FROM rejects "
                   "WHERE load_id = ? AND seq > ? ORDER BY seq LIMIT ?");
    stmt.Bind(1, load_id).Bind(2, page.after).Bind(3, page.limit);
    std::vector<StoredReject> out;
    while (stmt.Step()) out.push_back(ReadReject(stmt));
    return out;
  }

 private:
  std::string path_;
  Pool pool_;
};

}  // namespace

std::unique_ptr<Database> OpenSqliteDatabase(const std::string& path, const DatabaseOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace migration::db::sqlite
