#include "db/postgres/pg_statements.hpp"

#include <fmt/format.h>

#include <array>

#include "db/postgres/pg_sql_values.hpp"
#include "db/record_readers.hpp"
#include "db/table_sql.hpp"

namespace migration::db::postgres {
namespace pg_sql {
namespace {

// The counts of a year: folded counts plus the changes not folded yet (one snapshot).
const std::string kUnnestedDeltas =
    "SELECT x.* FROM hire_count_deltas d, unnest(d.years, d.department_ids, d.job_ids, d.q1, d.q2, d.q3, d.q4) "
    "AS x(year, department_id, job_id, q1, q2, q3, q4)";
const std::string kYearCounts =
    "SELECT department_id, job_id, sum(q1) AS q1, sum(q2) AS q2, sum(q3) AS q3, sum(q4) AS q4 FROM ("
    "SELECT department_id, job_id, q1, q2, q3, q4 FROM hire_counts WHERE year = $1::integer UNION ALL "
    "SELECT department_id, job_id, q1, q2, q3, q4 FROM (" +
    kUnnestedDeltas +
    ") p WHERE year = $1::integer) u "
    "GROUP BY department_id, job_id";

const std::string kLoadColumns = LoadColumns(MicrosOf);
const std::string kBackupColumns = BackupColumns(MicrosOf);
const std::string kImportColumns = ImportColumns(MicrosOf);
const std::string kImportStepColumns = ImportStepColumns(MicrosOf);
// The lease is counted on the database's clock: replicas' clocks may differ, the database's is one.
constexpr std::string_view kLeaseUntil = "now() + $3::bigint * interval '1 millisecond'";
// Only the holder of the lease may change a running job's steps.
constexpr std::string_view kHeldBy =
    "EXISTS (SELECT 1 FROM imports i WHERE i.id = $1::bigint AND i.lease_token = $2 AND i.status = 'running')";

}  // namespace

// Server-side bounds on every session, so that no request (and no stuck worker) can hold a lock
// or a connection without end:
//  - lock_timeout 60 s: a write queued behind another's lock fails with a retryable 503 instead of
//    hanging and draining the pool. Loads run at disk speed (uploads are spooled first), so a lock
//    is held for seconds; a restore's TRUNCATE waiting behind a long load gives up rather than
//    keep every reader of its table queued behind it.
//  - statement_timeout 10 min: the longest statement is one bulk COPY of a load's or a restore's
//    batch (20,000 rows, well under a second) or a report; ten minutes only stops a runaway one.
//    Migrations lift it for their own transaction (an index build on a large table may take longer).
//  - idle_in_transaction_session_timeout 5 min: a load's transaction idles only while its worker
//    archives a part to object storage (16 MiB, with retries); a session idle longer in a
//    transaction is a stuck worker, and the server ends it, releasing its locks.
const PgStatement kSessionSetup{
    "session setup",
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET lock_timeout = '60s'; SET statement_timeout = '10min'; "
    "SET idle_in_transaction_session_timeout = '5min'"};
const PgStatement kRollback{"rollback", "ROLLBACK"};

const PgStatement kBeginMigrations{"begin migrations", "BEGIN"};
const PgStatement kLiftStatementTimeout{"lift statement timeout", "SET LOCAL statement_timeout = 0"};
const PgStatement kLockMigrations{"lock migrations",
                                  fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLockKey)};
const PgStatement kCreateSchemaMigrations{
    "create schema_migrations",
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
    "applied_at timestamptz NOT NULL DEFAULT now())"};
const PgStatement kReadSchemaMigrations{"read schema_migrations", "SELECT version FROM schema_migrations"};
const PgStatement kRecordMigration{"record migration", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};
const PgStatement kCommitMigrations{"commit migrations", "COMMIT"};
const PgStatement kSchemaVersion{"schema version", "SELECT coalesce(max(version), 0) FROM schema_migrations"};

const PgStatement kCreateLoad{
    "create load",
    "INSERT INTO loads (table_name, source, on_conflict, status, started_at, host, retry_of, trace_id) "
    "VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7::bigint, $8) RETURNING id"};
// Only a running load: a load that committed (or failed already) keeps its outcome.
const PgStatement kFailLoad{
    "fail load",
    "UPDATE loads SET status = 'failed', finished_at = $1::timestamptz, rows_received = $2, error = $3, "
    "rows_inserted = 0, rows_updated = 0, rows_rejected = 0, rows_skipped = 0 "
    "WHERE id = $4 AND status = 'running'"};
const PgStatement kFailInterruptedLoads{
    "fail interrupted loads",
    "UPDATE loads SET status = 'failed', finished_at = $1::timestamptz, error = 'interrupted: the server stopped "
    "before the load finished; nothing of it was committed' WHERE status = 'running' AND host = $2"};
const PgStatement kRunningLoadHosts{"running load hosts",
                                    "SELECT DISTINCT host FROM loads WHERE status = 'running' LIMIT 1000"};
const PgStatement kListLoads{
    "list loads",
    fmt::format("SELECT {} FROM loads WHERE ($1::bigint = 0 OR id < $1::bigint) ORDER BY id DESC LIMIT $2::bigint",
                kLoadColumns)};
const PgStatement kGetLoad{"get load", fmt::format("SELECT {} FROM loads WHERE id = $1::bigint", kLoadColumns)};
const PgStatement kListRejects{
    "list rejects",
    "SELECT seq, locator, position, raw, errors, COALESCE(raw_length, octet_length(raw)) FROM rejects "
    "WHERE load_id = $1::bigint AND seq > $2::bigint ORDER BY seq LIMIT $3::bigint"};
const PgStatement kBeginLoad{"begin load", "BEGIN"};
const PgStatement kWriteRejects{"write rejects",
                                "COPY rejects (load_id, seq, locator, position, raw, errors, raw_length) FROM STDIN"};
// An expired key (not purged yet) is replaced; a live one is another request's.
const PgStatement kRecordIdempotencyKey{
    "record idempotency key",
    "INSERT INTO idempotency_keys (principal, key, request, load_id, fingerprint) "
    "VALUES ($1, $2, $3, $4::bigint, $5) "
    "ON CONFLICT (principal, key) DO UPDATE SET request = EXCLUDED.request, load_id = EXCLUDED.load_id, "
    "fingerprint = EXCLUDED.fingerprint, created_at = now() "
    "WHERE idempotency_keys.created_at <= now() - $6::bigint * interval '1 second'"};
const PgStatement kBumpDataVersion{"bump data version",
                                   "INSERT INTO data_version (backend_pid, commits) VALUES (pg_backend_pid(), 1) "
                                   "ON CONFLICT (backend_pid) DO UPDATE SET commits = data_version.commits + 1"};
const PgStatement kFinishLoad{
    "finish load",
    "UPDATE loads SET status = $1, finished_at = $2::timestamptz, rows_received = $3, rows_inserted = $4, "
    "rows_updated = $5, rows_rejected = $6, rows_skipped = $7, error = $8, archive = $9 WHERE id = $10"};
const PgStatement kCommitLoad{"commit load", "COMMIT"};
// Appends a load's count changes as one row of parallel arrays; the compactor folds them into
// hire_counts.
const PgStatement kAppendHireCountDeltas{
    "record hire count changes",
    "INSERT INTO hire_count_deltas (years, department_ids, job_ids, q1, q2, q3, q4) "
    "VALUES ($1::integer[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])"};
const PgStatement kSavepointBeforeCopy{"savepoint before copy", "SAVEPOINT copy_rows"};
const PgStatement kRollbackToSavepoint{"rollback to savepoint", "ROLLBACK TO SAVEPOINT copy_rows"};
const PgStatement kReleaseSavepoint{"release savepoint", "RELEASE SAVEPOINT copy_rows"};
const PgStatement kSavepointDryRun{"savepoint before dry run batch", "SAVEPOINT dry_run"};
const PgStatement kUndoDryRun{"undo dry run batch", "ROLLBACK TO SAVEPOINT dry_run"};
const PgStatement kReleaseDryRun{"release dry run savepoint", "RELEASE SAVEPOINT dry_run"};

const PgStatement kFindIdempotencyKey{
    "find idempotency key",
    "SELECT request, load_id, fingerprint FROM idempotency_keys WHERE principal = $1 AND key = $2 "
    "AND created_at > now() - $3::bigint * interval '1 second'"};
// SKIP LOCKED: replicas purging at the same moment split the work instead of waiting on each other.
const PgStatement kPurgeIdempotencyKeys{
    "purge idempotency keys",
    "DELETE FROM idempotency_keys WHERE (principal, key) IN (SELECT principal, key FROM idempotency_keys "
    "WHERE created_at <= now() - $1::bigint * interval '1 second' FOR UPDATE SKIP LOCKED)"};
const PgStatement kPurgeImportKeys{
    "purge import keys",
    "DELETE FROM import_idempotency_keys WHERE (principal, key) IN (SELECT principal, key FROM "
    "import_idempotency_keys WHERE created_at <= now() - $1::bigint * interval '1 second' FOR UPDATE SKIP LOCKED)"};
const PgStatement kDataVersion{"data version", "SELECT coalesce(sum(commits), 0)::bigint FROM data_version"};

const PgStatement kHiresByQuarter{
    "hires by quarter", "SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4 FROM (" +
                            kYearCounts +
                            ") c JOIN departments d ON d.id = c.department_id JOIN jobs j ON j.id = c.job_id "
                            "WHERE c.q1 + c.q2 + c.q3 + c.q4 > 0"};
// Aggregated per department first (the year's counts come by primary key), then joined.
const PgStatement kDepartmentHires{"department hires",
                                   "SELECT d.id, d.department, coalesce(c.hired, 0) FROM departments d LEFT JOIN ("
                                   "SELECT department_id, sum(q1 + q2 + q3 + q4) AS hired FROM (" +
                                       kYearCounts +
                                       ") y GROUP BY department_id"
                                       ") c ON c.department_id = d.id"};

const PgStatement kRecordBackup{"record backup",
                                "INSERT INTO backups (id, table_name, rows, bytes, sha256, object_key, location, "
                                "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)"};
const PgStatement kListBackups{
    "list backups",
    fmt::format("SELECT {} FROM backups WHERE ($1::text IS NULL OR table_name = $1) ORDER BY created_at DESC, id "
                "LIMIT $2::bigint",
                kBackupColumns)};
const PgStatement kGetBackup{"get backup", fmt::format("SELECT {} FROM backups WHERE id = $1", kBackupColumns)};
// One snapshot for the whole scan, streamed through a cursor.
const PgStatement kBeginScan{"begin scan", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"};
const PgStatement kFetchScanRows{"fetch scan rows", fmt::format("FETCH {} FROM scan", kScanChunkRows)};
const PgStatement kEndScan{"end scan", "COMMIT"};
const PgStatement kBeginRestore{"begin restore", "BEGIN"};
// The parents stay as they are until a hire restore commits; same order as loads take them.
const PgStatement kLockParentsForRestore{"lock parents for restore", "LOCK TABLE departments, jobs IN SHARE MODE"};
const PgStatement kCommitRestore{"commit restore", "COMMIT"};
const PgStatement kLockCompactor{"lock compactor", fmt::format("SELECT pg_advisory_xact_lock({})", kCompactLockKey)};
const PgStatement kDropPendingCountChanges{"drop pending count changes", "DELETE FROM hire_count_deltas"};
const PgStatement kDropCounts{"drop counts", "DELETE FROM hire_counts"};
const PgStatement kWriteCounts{"write counts",
                               "INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4) "
                               "SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::bigint[], "
                               "$5::bigint[], $6::bigint[], $7::bigint[])"};

const PgStatement kBeginCompaction{"begin compaction", "BEGIN"};
const PgStatement kTryCompactionLock{"try compaction lock",
                                     fmt::format("SELECT pg_try_advisory_xact_lock({})", kCompactLockKey)};
// Moves every recorded change into hire_counts, in key order (two replicas never deadlock on it).
const PgStatement kFoldCountChanges{
    "fold hire count changes",
    "WITH moved AS (DELETE FROM hire_count_deltas RETURNING *), "
    "changes AS (SELECT x.* FROM moved d, unnest(d.years, d.department_ids, d.job_ids, d.q1, d.q2, d.q3, d.q4) "
    "AS x(year, department_id, job_id, q1, q2, q3, q4)) "
    "INSERT INTO hire_counts AS c (year, department_id, job_id, q1, q2, q3, q4) "
    "SELECT year, department_id, job_id, sum(q1), sum(q2), sum(q3), sum(q4) FROM changes "
    "GROUP BY year, department_id, job_id ORDER BY year, department_id, job_id "
    "ON CONFLICT (year, department_id, job_id) DO UPDATE SET q1 = c.q1 + excluded.q1, q2 = c.q2 + excluded.q2, "
    "q3 = c.q3 + excluded.q3, q4 = c.q4 + excluded.q4"};
const PgStatement kCommitCompaction{"commit compaction", "COMMIT"};

namespace {

std::string_view StageType(core::ColumnKind kind) {
  switch (kind) {
    case core::ColumnKind::kText: return "text";
    case core::ColumnKind::kDatetime: return "timestamptz";
    case core::ColumnKind::kId:
    case core::ColumnKind::kReference: return "integer";
  }
  return "text";
}

TableSql BuildTableSql(core::Table table) {
  const std::string_view target = core::TableName(table);
  const std::string stage = fmt::format("stage_{}", target);
  const std::string columns = ColumnList(table);
  const std::string selected = RowColumns(table, MicrosOf);
  std::string stage_columns = "pos integer";
  for (const auto& column : core::SchemaOf(table).columns) {
    stage_columns += fmt::format(", {} {}", column.name, StageType(column.kind));
  }
  TableSql s;
  s.list_rows = {"list rows",
                 fmt::format("SELECT {} FROM {} WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint", selected, target)};
  s.get_row = {"get row", fmt::format("SELECT {} FROM {} WHERE id = $1::integer", selected, target)};
  s.lock_parent_table = {"lock parent table", fmt::format("LOCK TABLE {} IN SHARE MODE", target)};
  s.existing_ids = {"existing ids", fmt::format("SELECT id FROM {} ORDER BY id", target)};
  // ON COMMIT DROP: the stage lives exactly as long as the load's transaction (a rollback undoes
  // its creation too), so a pooled connection never carries it over to the next load.
  s.create_stage = {"create staging table",
                    fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", stage, stage_columns)};
  s.truncate_stage = {"empty staging table", fmt::format("TRUNCATE {}", stage)};
  s.copy_stage = {"copy rows into staging table",
                  fmt::format("COPY {} (pos, {}) FROM STDIN (FORMAT binary)", stage, columns)};
  s.copy_target = {"copy rows into table", fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", target, columns)};
  // ON CONFLICT DO NOTHING finds existing ids while inserting (the unique index probe the insert
  // makes anyway), so one pass over the batch does both jobs; a row a concurrent load committed
  // meanwhile is reported as a conflict rather than failing the whole load.
  s.insert_new = {
      "insert new rows",
      fmt::format(
          "WITH inserted AS (INSERT INTO {0} ({1}) SELECT {1} FROM {2} ON CONFLICT (id) DO NOTHING RETURNING id) "
          "SELECT s.pos FROM {2} s WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.id = s.id) ORDER BY s.pos",
          target, columns, stage)};
  s.find_conflicts = {
      "find conflicts",
      fmt::format("SELECT s.pos FROM {0} s WHERE EXISTS (SELECT 1 FROM {1} t WHERE t.id = s.id) ORDER BY s.pos", stage,
                  target)};
  s.insert_all = {"insert all rows", fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}", target, columns, stage)};
  // xmax is 0 on a freshly inserted row version and our transaction id on an overwritten one.
  s.upsert = {"upsert rows",
              fmt::format("WITH upserted AS (INSERT INTO {0} ({1}) SELECT {1} FROM {2} ON CONFLICT (id) DO UPDATE "
                          "SET {3} RETURNING (xmax = 0) AS inserted) "
                          "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted",
                          target, columns, stage, UpdateFromExcluded(table))};
  if (table == core::Table::kHiredEmployees) {
    s.lock_old = {"lock overwritten rows",
                  fmt::format("SELECT {}, h.department_id, h.job_id FROM {} h JOIN {} s ON s.id = h.id FOR UPDATE OF h",
                              MicrosOf("h.datetime"), target, stage)};
  }
  // ACCESS EXCLUSIVE: waits for the loads that read or write the table, and holds new ones back
  // until the restore commits (hire loads lock the parents SHARE).
  s.empty_for_restore = {"empty table for restore", fmt::format("TRUNCATE {}", target)};
  s.restore_rows = {"restore rows", fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", target, columns)};
  s.open_scan = {"open scan cursor",
                 fmt::format("DECLARE scan NO SCROLL CURSOR FOR SELECT {} FROM {} ORDER BY id", selected, target)};
  return s;
}

}  // namespace
// Import jobs
const PgStatement kCreateImport{"create import",
                                "INSERT INTO imports (source, status, header, on_conflict, dry_run, trace_id) "
                                "VALUES ($1, $2, $3, $4, $5::boolean, $6) RETURNING id"};
const PgStatement kCreateImportStep{
    "create import step",
    "INSERT INTO import_steps (import_id, position, table_name, object_key, bytes_total) "
    "VALUES ($1::bigint, $2::integer, $3, $4, $5::bigint)"};
const PgStatement kGetImport{"get import", fmt::format("SELECT {} FROM imports WHERE id = $1::bigint", kImportColumns)};
const PgStatement kGetImportSteps{
    "get import steps",
    fmt::format("SELECT {} FROM import_steps WHERE import_id = $1::bigint ORDER BY position", kImportStepColumns)};
const PgStatement kListImports{
    "list imports",
    fmt::format("SELECT {} FROM imports WHERE ($1::bigint = 0 OR id < $1::bigint) ORDER BY id DESC LIMIT $2::bigint",
                kImportColumns)};
const PgStatement kListImportSteps{
    "list import steps",
    fmt::format("SELECT {} FROM import_steps WHERE import_id = ANY($1::bigint[]) ORDER BY import_id, position",
                kImportStepColumns)};
const PgStatement kBeginImportChange{"begin import change", "BEGIN"};
// The oldest job nobody holds: queued, or running under a lease that expired (its replica died).
// SKIP LOCKED: replicas claiming at once take different jobs instead of queueing on one row.
const PgStatement kClaimImport{
    "claim import",
    fmt::format("UPDATE imports SET status = 'running', lease_token = $1, host = $2, attempts = attempts + 1, "
                "lease_expires_at = {}, started_at = coalesce(started_at, now()) "
                "WHERE id = (SELECT id FROM imports WHERE (status = 'queued' OR (status = 'running' AND "
                "lease_expires_at < now())) AND ($4::bigint = 0 OR id = $4::bigint) ORDER BY id LIMIT 1 "
                "FOR UPDATE SKIP LOCKED) "
                "RETURNING id, attempts",
                kLeaseUntil)};
// The attempt a dead replica left: its load never committed (the connection's end rolled it back).
const PgStatement kFailAbandonedAttempt{
    "fail abandoned attempt",
    "UPDATE loads SET status = 'failed', finished_at = now(), error = $2 WHERE status = 'running' AND id IN "
    "(SELECT load_id FROM import_steps WHERE import_id = $1::bigint AND status = 'running')"};
const PgStatement kRequeueAbandonedSteps{
    "requeue abandoned steps",
    "UPDATE import_steps SET status = 'queued' WHERE import_id = $1::bigint AND status = 'running'"};
const PgStatement kGiveUpImport{
    "give up import",
    "UPDATE imports SET status = 'failed', finished_at = now(), error = $2, lease_token = '', lease_expires_at = NULL "
    "WHERE id = $1::bigint"};
const PgStatement kCommitImportChange{"commit import change", "COMMIT"};
const PgStatement kRenewImportLease{
    "renew import lease",
    fmt::format("UPDATE imports SET lease_expires_at = {} WHERE id = $1::bigint AND lease_token = $2 AND "
                "status = 'running' RETURNING cancel_requested::integer",
                kLeaseUntil)};
const PgStatement kRecordStepProgress{
    "record step progress",
    fmt::format("UPDATE import_steps SET bytes_read = $4::bigint, rows_received = $5::bigint, rows_inserted = "
                "$6::bigint, rows_updated = $7::bigint, rows_rejected = $8::bigint, rows_skipped = $9::bigint "
                "WHERE import_id = $1::bigint AND position = $3::integer AND status = 'running' AND {}",
                kHeldBy)};
const PgStatement kStartImportStep{
    "start import step",
    fmt::format("UPDATE import_steps SET status = 'running', load_id = $4::bigint, bytes_total = $5::bigint, "
                "bytes_read = 0, rows_received = 0, rows_inserted = 0, rows_updated = 0, rows_rejected = 0, "
                "rows_skipped = 0, started_at = now(), finished_at = NULL, attempts = attempts + 1 "
                "WHERE import_id = $1::bigint AND position = $3::integer AND {}",
                kHeldBy)};
const PgStatement kEndImportStep{"end import step",
                                 fmt::format("UPDATE import_steps SET status = $4, finished_at = now() "
                                             "WHERE import_id = $1::bigint AND position = $3::integer AND {}",
                                             kHeldBy)};
// Inside the load's transaction (hence clock_timestamp() below: now() is when that began): the job's row stays locked
// until the load commits, so no claim can take the job over between this check and the commit (a claim skips locked
// rows).
const PgStatement kFenceImportStep{
    "fence import step",
    "SELECT 1 FROM imports WHERE id = $1::bigint AND lease_token = $2 AND status = 'running' AND NOT "
    "cancel_requested FOR UPDATE"};
const PgStatement kCompleteImportStep{
    "complete import step",
    "UPDATE import_steps SET status = $3, load_id = $4::bigint, bytes_read = $5::bigint, rows_received = "
    "$6::bigint, rows_inserted = $7::bigint, rows_updated = $8::bigint, rows_rejected = $9::bigint, rows_skipped = "
    "$10::bigint, finished_at = clock_timestamp() WHERE import_id = $1::bigint AND position = $2::integer"};
const PgStatement kFinishImport{
    "finish import",
    "UPDATE imports SET status = $3, error = $4, finished_at = now(), lease_token = '', lease_expires_at = NULL "
    "WHERE id = $1::bigint AND lease_token = $2 AND status = 'running'"};
const PgStatement kReleaseImport{"release import",
                                 "UPDATE imports SET status = 'queued', lease_token = '', lease_expires_at = NULL "
                                 "WHERE id = $1::bigint AND lease_token = $2 AND status = 'running' RETURNING id"};
const PgStatement kCancelQueuedImport{
    "cancel queued import",
    "UPDATE imports SET status = 'cancelled', cancel_requested = true, finished_at = now() "
    "WHERE id = $1::bigint AND status IN ('pending', 'queued') RETURNING id"};
const PgStatement kCancelImportSteps{"cancel import steps",
                                     "UPDATE import_steps SET status = 'cancelled', finished_at = now() "
                                     "WHERE import_id = $1::bigint AND status IN ('queued', 'running')"};
const PgStatement kRequestImportCancel{
    "request import cancel",
    "UPDATE imports SET cancel_requested = true WHERE id = $1::bigint AND status = 'running' RETURNING id"};
// As a load's key (kRecordIdempotencyKey): an expired key is replaced, a live one is another job's.
const PgStatement kRecordImportKey{
    "record import key",
    "INSERT INTO import_idempotency_keys (principal, key, request, import_id, fingerprint) "
    "VALUES ($1, $2, $3, $4::bigint, $5) "
    "ON CONFLICT (principal, key) DO UPDATE SET request = EXCLUDED.request, import_id = EXCLUDED.import_id, "
    "fingerprint = EXCLUDED.fingerprint, created_at = now() "
    "WHERE import_idempotency_keys.created_at <= now() - $6::bigint * interval '1 second'"};
const PgStatement kFindImportKey{
    "find import key",
    "SELECT request, import_id, fingerprint FROM import_idempotency_keys WHERE principal = $1 AND key = $2 "
    "AND created_at > now() - $3::bigint * interval '1 second'"};
const PgStatement kStartPendingImport{
    "start pending import",
    "UPDATE imports SET status = 'queued' WHERE id = $1::bigint AND status = 'pending' RETURNING id"};

}  // namespace pg_sql

const pg_sql::TableSql& TableStatements(core::Table table) {
  static const std::array<pg_sql::TableSql, 3> kTables = {pg_sql::BuildTableSql(core::Table::kDepartments),
                                                          pg_sql::BuildTableSql(core::Table::kJobs),
                                                          pg_sql::BuildTableSql(core::Table::kHiredEmployees)};
  return kTables[static_cast<size_t>(table)];
}

std::vector<const PgStatement*> FixedPgStatements() {
  using namespace pg_sql;  // NOLINT(google-build-using-namespace): the list below names them all
  return {&kSessionSetup,
          &kRollback,
          &kBeginMigrations,
          &kLiftStatementTimeout,
          &kLockMigrations,
          &kCreateSchemaMigrations,
          &kReadSchemaMigrations,
          &kRecordMigration,
          &kCommitMigrations,
          &kSchemaVersion,
          &kCreateLoad,
          &kFailLoad,
          &kFailInterruptedLoads,
          &kRunningLoadHosts,
          &kListLoads,
          &kGetLoad,
          &kListRejects,
          &kBeginLoad,
          &kWriteRejects,
          &kRecordIdempotencyKey,
          &kBumpDataVersion,
          &kFinishLoad,
          &kCommitLoad,
          &kAppendHireCountDeltas,
          &kSavepointBeforeCopy,
          &kRollbackToSavepoint,
          &kReleaseSavepoint,
          &kSavepointDryRun,
          &kUndoDryRun,
          &kReleaseDryRun,
          &kFindIdempotencyKey,
          &kPurgeIdempotencyKeys,
          &kPurgeImportKeys,
          &kDataVersion,
          &kHiresByQuarter,
          &kDepartmentHires,
          &kRecordBackup,
          &kListBackups,
          &kGetBackup,
          &kBeginScan,
          &kFetchScanRows,
          &kEndScan,
          &kBeginRestore,
          &kLockParentsForRestore,
          &kCommitRestore,
          &kLockCompactor,
          &kDropPendingCountChanges,
          &kDropCounts,
          &kWriteCounts,
          &kBeginCompaction,
          &kTryCompactionLock,
          &kFoldCountChanges,
          &kCommitCompaction,
          &kCreateImport,
          &kCreateImportStep,
          &kGetImport,
          &kGetImportSteps,
          &kListImports,
          &kListImportSteps,
          &kBeginImportChange,
          &kClaimImport,
          &kFailAbandonedAttempt,
          &kRequeueAbandonedSteps,
          &kGiveUpImport,
          &kCommitImportChange,
          &kRenewImportLease,
          &kRecordStepProgress,
          &kStartImportStep,
          &kEndImportStep,
          &kFenceImportStep,
          &kCompleteImportStep,
          &kFinishImport,
          &kReleaseImport,
          &kCancelQueuedImport,
          &kCancelImportSteps,
          &kRequestImportCancel,
          &kStartPendingImport,
          &kRecordImportKey,
          &kFindImportKey};
}

std::vector<const PgStatement*> TablePgStatements(core::Table table) {
  const pg_sql::TableSql& s = TableStatements(table);
  std::vector<const PgStatement*> all = {&s.list_rows,         &s.get_row,        &s.lock_parent_table, &s.existing_ids,
                                         &s.create_stage,      &s.truncate_stage, &s.copy_stage,        &s.copy_target,
                                         &s.insert_new,        &s.find_conflicts, &s.insert_all,        &s.upsert,
                                         &s.empty_for_restore, &s.restore_rows,   &s.open_scan};
  if (table == core::Table::kHiredEmployees) all.push_back(&s.lock_old);
  return all;
}

}  // namespace migration::db::postgres
