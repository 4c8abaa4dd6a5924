#pragma once
// The database interface: one abstraction, two backends (db/sqlite, db/postgres). Nothing above
// db/ knows SQL dialects; nothing here knows HTTP. Every method is blocking: callers on I/O
// threads must not call it (http::Server runs every handler on its worker pool).
//
// Errors: backends classify their native errors once (db/postgres/pg_error.cpp,
// db/sqlite/sqlite_connection.cpp) and throw core::Error
// with kUnavailable (retry later), kConflict (a stored row contradicts the write) or kInternal.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/import_queue.hpp"
#include "db/pool_stats.hpp"
#include "db/records.hpp"
#include "db/report_records.hpp"

namespace migration::db {

// One load's transaction. Destroying it without Commit() rolls everything back.
class LoadTransaction {
 public:
  virtual ~LoadTransaction() = default;

  // Ids currently in `table` (used for the foreign-key checks of hired_employees).
  virtual std::vector<int32_t> ExistingIds(core::Table table) = 0;

  // Writes valid rows (ids unique within `rows`). Rows whose id exists already are reported in
  // WriteResult::conflicts (reject/skip) or overwritten (update). With `all_or_nothing`, a
  // conflict under reject means nothing of `rows` is written.
  virtual WriteResult WriteRows(core::Table table, std::span<const core::Row> rows, OnConflict mode,
                                bool all_or_nothing) = 0;

  // Stores rejects of this load, in order; they are numbered after any written before.
  virtual void WriteRejects(std::span<const RejectRecord> rejects) = 0;

  // Stores the client's Idempotency-Key and fingerprint with this load (committed with it),
  // replacing an expired one (older than record.ttl_seconds). Throws core::Error(kConflict) when
  // another load holds the same key and it has not expired.
  virtual void RecordIdempotencyKey(const IdempotencyRecord& record) = 0;

  // Marks an import job's step done with this load, inside this transaction: the step is done
  // exactly when the rows commit. Throws core::Error(kConflict) when the job's lease is no longer
  // `commit.lease_token`'s or a cancel was asked for (the caller rolls back).
  virtual void CompleteImportStep(const ImportStepCommit& commit) = 0;

  // Records the load's final state and commits rows, rejects and the load record together.
  virtual void Commit(const LoadRecord& final_state) = 0;
};

// Replaces every row of one table in one transaction (a restore from a backup). The table and the
// tables it references or is referenced by are locked against loads from Begin to the end.
// Destroying it without Commit() rolls everything back: the table is as it was.
class RestoreTransaction {
 public:
  virtual ~RestoreTransaction() = default;
  // The backup's rows, in chunks of any size. Throws core::Error(kConflict) on an id seen twice.
  virtual void Add(std::span<const core::Row> rows) = 0;
  // Checks that no hire would reference a missing department or job (else throws
  // core::Error(kConflict) naming examples, and nothing changes), recomputes the report counts
  // when hires changed, bumps the data version, and commits.
  virtual void Commit() = 0;
};

struct Page {
  int64_t after = 0;  // keyset cursor: return items strictly after this key
  int limit = 100;
};

class Database {
 public:
  virtual ~Database() = default;

  virtual std::string_view BackendName() const = 0;  // "sqlite" or "postgresql"
  // The connection pool's state now (for GET /metrics); cheap, never touches the database.
  virtual ConnectionPoolStats PoolStats() = 0;

  // Applies the embedded schema migrations not applied yet; returns how many it applied.
  virtual int Migrate() = 0;
  // True when the database answers and its schema is the binary's current version.
  virtual bool Ready() = 0;

  // Loads: a record is created (status running, own transaction) before any row is read, so a
  // load that dies is never invisible to an operator; its data commits with LoadTransaction.
  virtual int64_t CreateLoad(const LoadRecord& load) = 0;
  virtual void FailLoad(int64_t load_id, const LoadCounts& counts, const std::string& error) = 0;
  // Marks loads left `running` by `host` (a holder as loads.host records it) as failed; returns how many.
  virtual int FailInterruptedLoads(const std::string& host) = 0;
  // The holders of loads now `running` (at most a few hundred distinct ones, by the load slots).
  virtual std::vector<std::string> RunningLoadHosts() = 0;
  // kDryRun: every write is checked as it would be made and then undone (the conflicts it finds
  // are real); Commit stores only the load record and its rejects, and no report or data
  // version changes.
  virtual std::unique_ptr<LoadTransaction> BeginLoad(int64_t load_id, LoadMode mode) = 0;

  // Import jobs (POST /v1/imports): queued in the database, run by any replica.
  virtual ImportQueue& Imports() = 0;

  // Reads (each its own snapshot).
  virtual std::vector<core::Row> ListRows(core::Table table, Page page) = 0;
  virtual std::optional<core::Row> GetRow(core::Table table, int32_t id) = 0;
  virtual std::vector<LoadRecord> ListLoads(Page page) = 0;  // newest first; `after` = last id seen (0: start)
  virtual std::optional<LoadRecord> GetLoad(int64_t load_id) = 0;
  virtual std::vector<StoredReject> ListRejects(int64_t load_id, Page page) = 0;
  // The load committed with (principal, key) within the last `ttl_seconds`, if any.
  virtual std::optional<IdempotencyRecord> FindIdempotencyKey(const std::string& principal, const std::string& key,
                                                              int64_t ttl_seconds) = 0;
  // Deletes Idempotency-Keys older than `ttl_seconds` (without waiting on rows a load holds);
  // returns how many.
  virtual int64_t PurgeExpiredIdempotencyKeys(int64_t ttl_seconds) = 0;

  // Every row of `table` from one consistent snapshot, in id order, handed to `sink` in chunks.
  virtual void ScanTable(core::Table table, const std::function<void(std::span<const core::Row>)>& sink) = 0;
  // Starts replacing every row of `table` (deletes them inside the new transaction).
  virtual std::unique_ptr<RestoreTransaction> BeginRestore(core::Table table) = 0;
  // Backups written to object storage: recorded once the object is complete.
  virtual void RecordBackup(const BackupRecord& backup) = 0;
  // Newest first; `table` filters; `page.after` is unused (backups are few), `page.limit` applies.
  virtual std::vector<BackupRecord> ListBackups(std::optional<core::Table> table, Page page) = 0;
  virtual std::optional<BackupRecord> GetBackup(const std::string& backup_id) = 0;

  // Reports, from the maintained hire_counts (cost: departments x jobs, not hires), unordered.
  virtual std::vector<QuarterCountsRow> HiresByQuarter(int year) = 0;
  virtual std::vector<DepartmentHiresRow> DepartmentHires(int year) = 0;
  // Grows with every committed load or restore (any table): equal values mean equal data for the
  // reports. Writes committed through this Database show at once; PostgreSQL answers from memory
  // for up to PostgresOptions::version_refresh_ms between checks for other replicas' writes.
  virtual int64_t DataVersion() = 0;
};

// What only the PostgreSQL backend has (SQLite ignores it).
struct PostgresOptions {
  // How long DataVersion() may answer from memory before it asks the database again, when nothing
  // was committed through this process meanwhile (REPORT_REFRESH_MS). A cached report then costs
  // no round trip; loads through other replicas show in reports within this bound. 0: ask on
  // every call (exact across replicas).
  int version_refresh_ms = 100;
  // Fold the hire-count changes loads record into hire_counts in a background thread
  // (db/postgres/pg_hire_count_compactor.hpp): the serving process; one-shot commands need not.
  bool compact_hire_counts = false;
};

struct DatabaseOptions {
  int pool_size = 8;
  int acquire_timeout_ms = 5000;
  PostgresOptions postgres;
};

// Opens `sqlite://PATH` (relative or absolute: sqlite:///abs/path) or `postgresql://…`
// (also `postgres://`). Throws core::Error(kBadRequest) for an unknown scheme.
std::unique_ptr<Database> OpenDatabase(const std::string& url, const DatabaseOptions& options);

}  // namespace migration::db
