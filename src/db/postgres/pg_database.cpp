#include "db/postgres/pg_database.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/migrations.hpp"
#include "db/postgres/pg_backups.hpp"
#include "db/postgres/pg_connection.hpp"
#include "db/postgres/pg_hire_count_compactor.hpp"
#include "db/postgres/pg_imports.hpp"
#include "db/postgres/pg_lease.hpp"
#include "db/postgres/pg_load_transaction.hpp"
#include "db/postgres/pg_sql_values.hpp"
#include "db/record_readers.hpp"
#include "db/table_sql.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

// LIMIT: a negative page size means no limit, as in SQLite (PostgreSQL would reject it).
PgParams& AddLimit(PgParams& params, int limit) {
  return limit < 0 ? params.AddNull() : params.Add(static_cast<int64_t>(limit));
}

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string url, const DatabaseOptions& options)
      : url_(std::move(url)),
        version_refresh_(std::chrono::milliseconds(options.postgres.version_refresh_ms)),
        pool_([this] { return std::make_unique<PgConnection>(url_); }, options.pool_size,
              std::chrono::milliseconds(options.acquire_timeout_ms)) {
    if (options.postgres.compact_hire_counts) compactor_.emplace(pool_);
    imports_ = MakePgImportQueue(pool_);
  }

  std::string_view BackendName() const override { return "postgresql"; }
  ConnectionPoolStats PoolStats() override { return pool_.GetStats(); }

  int Migrate() override {
    PgLease conn(pool_);
    conn->Exec(pg_sql::kBeginMigrations);
    // A migration may build an index on a large table: no statement_timeout for this transaction
    // (the session's lock_timeout stays, so DDL queued behind a long load gives up and retries at
    // the next start rather than hold every query on its table behind it).
    conn->Exec(pg_sql::kLiftStatementTimeout);
    // The lock comes first, and the bookkeeping table is created under it: two replicas running
    // CREATE TABLE IF NOT EXISTS at the same moment can otherwise both try to create it.
    conn->Exec(pg_sql::kLockMigrations);
    conn->Exec(pg_sql::kCreateSchemaMigrations);
    std::set<int64_t> applied_versions;
    {
      const PgResult result = conn->Exec(pg_sql::kReadSchemaMigrations);
      for (int i = 0; i < result.Rows(); ++i) applied_versions.insert(result.Int(i, 0));
    }
    int applied = 0;
    for (const auto& migration : MigrationsFor("postgres")) {
      if (applied_versions.contains(migration.version)) continue;
      const std::string name = fmt::format("migration {:04}_{}", migration.version, migration.name);
      conn->Exec({name, std::string(migration.sql)});
      conn->Exec(pg_sql::kRecordMigration, PgParams().Add(static_cast<int64_t>(migration.version)).Add(migration.name));
      ++applied;
    }
    conn->Exec(pg_sql::kCommitMigrations);
    return applied;
  }

  bool Ready() override {
    try {
      PgLease conn(pool_);
      RecordDeferredFailures(*conn);
      const PgResult result = conn->Exec(pg_sql::kSchemaVersion);
      return result.Rows() == 1 && result.Int(0, 0) == LatestVersion("postgres");
    } catch (const std::exception&) {
      return false;
    }
  }

  int64_t CreateLoad(const LoadRecord& load) override {
    PgLease conn(pool_);
    RecordDeferredFailures(*conn);
    PgParams params;
    params.Add(core::TableName(load.table))
        .Add(load.source)
        .Add(OnConflictName(load.on_conflict))
        .Add(LoadStatusName(LoadStatus::kRunning))
        .Add(core::FormatRfc3339(load.started_us))
        .Add(load.host);
    if (load.retry_of) {
      params.Add(*load.retry_of);
    } else {
      params.AddNull();
    }
    params.Add(load.trace_id);
    const PgResult result = conn->Exec(pg_sql::kCreateLoad, params);
    return result.Int(0, 0);
  }

  void FailLoad(int64_t load_id, const LoadCounts& counts, const std::string& error) override {
    const DeferredFailure failure{load_id, counts.received, error, core::NowMicros()};
    try {
      PgLease conn(pool_);
      WriteFailure(*conn, failure);
    } catch (const Error& e) {
      // The database went away with the load (the usual reason a load fails this way): the record
      // would stay "running" until this process restarts. Keep the failure and write it as soon
      // as the database answers again (next readiness probe, load or look at the loads).
      if (e.code() == ErrorCode::kUnavailable) Defer(failure);
      throw;
    }
  }

  int FailInterruptedLoads(const std::string& host) override {
    PgLease conn(pool_);
    const PgResult result =
        conn->Exec(pg_sql::kFailInterruptedLoads, PgParams().Add(core::FormatRfc3339(core::NowMicros())).Add(host));
    return static_cast<int>(result.AffectedRows());
  }

  std::vector<std::string> RunningLoadHosts() override {
    PgLease conn(pool_);
    const PgResult result = conn->Exec(pg_sql::kRunningLoadHosts, PgParams());
    std::vector<std::string> hosts;
    hosts.reserve(static_cast<size_t>(result.Rows()));
    for (int row = 0; row < result.Rows(); ++row) hosts.emplace_back(result.Text(row, 0));
    return hosts;
  }

  std::unique_ptr<LoadTransaction> BeginLoad(int64_t load_id, LoadMode mode) override {
    return BeginPgLoad(pool_, load_id, mode, local_commits_);
  }

  ImportQueue& Imports() override { return *imports_; }

  std::vector<Row> ListRows(Table table, Page page) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(page.after);
    AddLimit(params, page.limit);
    const PgResult result = conn->Exec(TableStatements(table).list_rows, params);
    return ReadRows(result, [table](const PgRow& row) { return ReadRow(row, table); });
  }

  void ScanTable(Table table, const std::function<void(std::span<const Row>)>& sink) override {
    PgLease conn(pool_);
    postgres::ScanTable(*conn, table, sink);
  }

  std::unique_ptr<RestoreTransaction> BeginRestore(Table table) override {
    return postgres::BeginRestore(pool_, table, local_commits_);
  }

  void RecordBackup(const BackupRecord& backup) override {
    PgLease conn(pool_);
    InsertBackup(*conn, backup);
  }

  std::vector<BackupRecord> ListBackups(std::optional<Table> table, Page page) override {
    PgLease conn(pool_);
    return SelectBackups(*conn, table, page.limit);
  }

  std::optional<BackupRecord> GetBackup(const std::string& backup_id) override {
    PgLease conn(pool_);
    return SelectBackup(*conn, backup_id);
  }

  std::vector<QuarterCountsRow> HiresByQuarter(int year) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(static_cast<int64_t>(year));
    const PgResult result = conn->Exec(pg_sql::kHiresByQuarter, params);
    return ReadRows(result, ReadQuarterCounts<PgRow>);
  }

  std::vector<DepartmentHiresRow> DepartmentHires(int year) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(static_cast<int64_t>(year));
    const PgResult result = conn->Exec(pg_sql::kDepartmentHires, params);
    return ReadRows(result, ReadDepartmentHires<PgRow>);
  }

  std::optional<IdempotencyRecord> FindIdempotencyKey(const std::string& principal, const std::string& key,
                                                      int64_t ttl_seconds) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(principal).Add(key).Add(ttl_seconds);
    const PgResult result = conn->Exec(pg_sql::kFindIdempotencyKey, params);
    if (result.Rows() == 0) return std::nullopt;
    return IdempotencyRecord{
        principal, key, std::string(result.Text(0, 0)), result.Int(0, 1), std::string(result.Text(0, 2)), ttl_seconds};
  }

  int64_t PurgeExpiredIdempotencyKeys(int64_t ttl_seconds) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(ttl_seconds);
    // SKIP LOCKED: a key a running load is replacing is left for the next round, never waited on.
    const PgResult deleted = conn->Exec(pg_sql::kPurgeIdempotencyKeys, params);
    const PgResult deleted_imports = conn->Exec(pg_sql::kPurgeImportKeys, params);
    return static_cast<int64_t>(deleted.AffectedRows() + deleted_imports.AffectedRows());
  }

  // A report served from the cache would otherwise cost this one round trip, and under load on
  // few cores that round trip is the report's latency tail. So the answer is reused while nothing
  // was committed through this process (those commits count locally, after COMMIT) and it is
  // younger than version_refresh_: other replicas' loads show within that bound.
  int64_t DataVersion() override {
    const uint64_t local = local_commits_.load(std::memory_order_acquire);
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(version_mutex_);
      if (version_known_ && version_local_commits_ == local && now - version_read_at_ < version_refresh_) {
        return version_;
      }
    }
    PgLease conn(pool_);
    const PgResult result = conn->Exec(pg_sql::kDataVersion);
    const int64_t version = result.Int(0, 0);
    std::lock_guard lock(version_mutex_);
    // Only ever move forward, and remember which local commits the value already includes.
    if (!version_known_ || version >= version_) {
      version_ = version;
      version_local_commits_ = local;
      version_read_at_ = now;
      version_known_ = true;
    }
    return version;
  }

  std::optional<Row> GetRow(Table table, int32_t id) override {
    PgLease conn(pool_);
    const PgResult result = conn->Exec(TableStatements(table).get_row, PgParams().Add(static_cast<int64_t>(id)));
    if (result.Rows() == 0) return std::nullopt;
    return ReadRow(PgRow(result, 0), table);
  }

  std::vector<LoadRecord> ListLoads(Page page) override {
    PgLease conn(pool_);
    RecordDeferredFailures(*conn);
    PgParams params;
    params.Add(page.after);
    AddLimit(params, page.limit);
    const PgResult result = conn->Exec(pg_sql::kListLoads, params);
    return ReadRows(result, ReadLoad<PgRow>);
  }

  std::optional<LoadRecord> GetLoad(int64_t load_id) override {
    PgLease conn(pool_);
    RecordDeferredFailures(*conn);
    const PgResult result = conn->Exec(pg_sql::kGetLoad, PgParams().Add(load_id));
    if (result.Rows() == 0) return std::nullopt;
    return ReadLoad(PgRow(result, 0));
  }

  std::vector<StoredReject> ListRejects(int64_t load_id, Page page) override {
    PgLease conn(pool_);
    PgParams params;
    params.Add(load_id).Add(page.after);
    AddLimit(params, page.limit);
    const PgResult result = conn->Exec(pg_sql::kListRejects, params);
    return ReadRows(result, ReadReject<PgRow>);
  }

 private:
  // A load's failure that could not be recorded because the database was unavailable.
  struct DeferredFailure {
    int64_t load_id;
    uint64_t rows_received;
    std::string error;
    int64_t failed_us;
  };
  // Bounded: past this many, the oldest are left to FailInterruptedLoads at the next start.
  static constexpr size_t kMaxDeferredFailures = 1000;

  static void WriteFailure(PgConnection& conn, const DeferredFailure& failure) {
    conn.Exec(pg_sql::kFailLoad, PgParams()
                                     .Add(core::FormatRfc3339(failure.failed_us))
                                     .Add(static_cast<int64_t>(failure.rows_received))
                                     .Add(failure.error)
                                     .Add(failure.load_id));
  }

  void Defer(DeferredFailure failure) {
    std::lock_guard lock(deferred_mutex_);
    if (deferred_.size() == kMaxDeferredFailures) deferred_.pop_front();
    deferred_.push_back(std::move(failure));
    has_deferred_.store(true, std::memory_order_release);
  }

  // Writes the deferred failures on a connection that just worked; cheap when there are none.
  // Best effort: whatever still fails stays deferred, and never fails the caller's operation.
  void RecordDeferredFailures(PgConnection& conn) {
    if (!has_deferred_.load(std::memory_order_acquire)) return;
    std::deque<DeferredFailure> pending;
    {
      std::lock_guard lock(deferred_mutex_);
      pending.swap(deferred_);
      has_deferred_.store(false, std::memory_order_release);
    }
    while (!pending.empty()) {
      try {
        WriteFailure(conn, pending.front());
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kUnavailable) {
          for (auto& failure : pending) Defer(std::move(failure));
          if (conn.IsBroken()) throw;  // the caller's own statement would fail the same way
          return;
        }
        // Anything else will not get better by retrying: the next start marks it failed.
      }
      pending.pop_front();
    }
  }

  std::string url_;
  std::chrono::steady_clock::duration version_refresh_;
  PgPool pool_;
  std::atomic<uint64_t> local_commits_{0};  // loads and restores committed through this process
  std::mutex version_mutex_;
  bool version_known_ = false;
  int64_t version_ = 0;
  uint64_t version_local_commits_ = 0;
  std::chrono::steady_clock::time_point version_read_at_{};
  std::mutex deferred_mutex_;
  std::deque<DeferredFailure> deferred_;
  std::atomic<bool> has_deferred_{false};
  // Last: stopped (and joined) first, while the pool it uses still exists.
  std::optional<HireCountCompactor> compactor_;
  std::unique_ptr<ImportQueue> imports_;
};

// Checks the URL's syntax once, at start, so a typo is a clear configuration error rather than
// "database unavailable" forever. libpq's parse message can quote the URL, password included, so it
// is not passed on.
void CheckUrl(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    throw Error(ErrorCode::kBadRequest,
                "DATABASE_URL is not a valid PostgreSQL connection URI (expected "
                "postgresql://user@host:port/database?param=value; percent-encode special characters)");
  }
  PQconninfoFree(options);
}

}  // namespace

std::unique_ptr<Database> OpenPostgresDatabase(const std::string& url, const DatabaseOptions& options) {
  CheckUrl(url);
  return std::make_unique<PgDatabase>(url, options);
}

}  // namespace migration::db::postgres
