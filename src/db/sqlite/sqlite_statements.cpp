#include "db/sqlite/sqlite_statements.hpp"

#include <fmt/format.h>

#include <array>

#include "db/record_readers.hpp"
#include "db/table_sql.hpp"

namespace migration::db::sqlite {
namespace sqlite_sql {
namespace {

const std::string kLoadColumns = LoadColumns(InstantAsStored);
const std::string kBackupColumns = BackupColumns(InstantAsStored);

// SQLite's clock as stored in created_at columns, optionally `?` seconds ago.
constexpr std::string_view kNowText = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
constexpr std::string_view kSecondsAgoText = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' seconds')";

}  // namespace

// WAL lets readers work while a load writes; NORMAL sync is durable across process crashes (WAL
// is fsynced at checkpoints); a writer waits up to 30 s for another writer's lock.
const SqliteStatement kConnectionSetup{
    "connection setup",
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000"};

const SqliteStatement kBeginRead{"begin read", "BEGIN"};
// IMMEDIATE takes the write lock now, so a writer never fails half-way on a lock upgrade.
const SqliteStatement kBeginWrite{"begin write", "BEGIN IMMEDIATE"};
const SqliteStatement kCommit{"commit", "COMMIT"};
const SqliteStatement kRollback{"rollback", "ROLLBACK"};
const SqliteStatement kSavepointBatch{"savepoint before batch", "SAVEPOINT batch"};
const SqliteStatement kRollbackToBatch{"rollback to batch", "ROLLBACK TO batch"};
const SqliteStatement kReleaseBatch{"release batch", "RELEASE batch"};
const SqliteStatement kSavepointDryRun{"savepoint before dry run batch", "SAVEPOINT dry_run"};
const SqliteStatement kUndoDryRun{"undo dry run batch", "ROLLBACK TO dry_run"};
const SqliteStatement kReleaseDryRun{"release dry run savepoint", "RELEASE dry_run"};

const SqliteStatement kCreateSchemaMigrations{
    "create schema_migrations",
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at INTEGER NOT NULL)"};
const SqliteStatement kSchemaVersion{"schema version", "SELECT coalesce(max(version), 0) FROM schema_migrations"};
const SqliteStatement kRecordMigration{"record migration",
                                       "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"};

const SqliteStatement kCreateLoad{
    "create load",
    "INSERT INTO loads (table_name, source, on_conflict, status, started_at, host, retry_of, trace_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
// Only a running load: a load that committed (or failed already) keeps its outcome.
const SqliteStatement kFailLoad{
    "fail load",
    "UPDATE loads SET status = 'failed', finished_at = ?, rows_received = ?, error = ?, rows_inserted = 0, "
    "rows_updated = 0, rows_rejected = 0, rows_skipped = 0 WHERE id = ? AND status = 'running'"};
const SqliteStatement kFailInterruptedLoads{
    "fail interrupted loads",
    "UPDATE loads SET status = 'failed', finished_at = ?, error = 'interrupted: the server stopped before "
    "the load finished; nothing of it was committed' WHERE status = 'running' AND host = ?"};
const SqliteStatement kRunningLoadHosts{"running load hosts",
                                        "SELECT DISTINCT host FROM loads WHERE status = 'running' LIMIT 1000"};
const SqliteStatement kListLoads{
    "list loads", fmt::format("SELECT {} FROM loads WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?", kLoadColumns)};
const SqliteStatement kGetLoad{"get load", fmt::format("SELECT {} FROM loads WHERE id = ?", kLoadColumns)};
const SqliteStatement kListRejects{"list rejects",
                                   "SELECT seq, locator, position, raw, errors, COALESCE(raw_length, length(raw)) "
                                   "FROM rejects WHERE load_id = ? AND seq > ? ORDER BY seq LIMIT ?"};
const SqliteStatement kWriteReject{
    "write reject",
    "INSERT INTO rejects (load_id, seq, locator, position, raw, errors, raw_length) VALUES (?, ?, ?, ?, ?, ?, ?)"};
// An expired key (not purged yet) is replaced; a live one is another request's.
const SqliteStatement kRecordIdempotencyKey{
    "record idempotency key",
    fmt::format("INSERT INTO idempotency_keys (principal, key, request, load_id, fingerprint) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (principal, key) DO UPDATE SET request = excluded.request, load_id = excluded.load_id, "
                "fingerprint = excluded.fingerprint, created_at = {} WHERE idempotency_keys.created_at <= {}",
                kNowText, kSecondsAgoText)};
const SqliteStatement kBumpDataVersion{"bump data version", "UPDATE data_version SET commits = commits + 1"};
const SqliteStatement kFinishLoad{
    "finish load",
    "UPDATE loads SET status = ?, finished_at = ?, rows_received = ?, rows_inserted = ?, rows_updated = ?, "
    "rows_rejected = ?, rows_skipped = ?, error = ?, archive = ? WHERE id = ?"};
const SqliteStatement kAddHireCounts{
    "add hire counts",
    "INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (year, department_id, job_id) DO UPDATE SET q1 = q1 + excluded.q1, "
    "q2 = q2 + excluded.q2, q3 = q3 + excluded.q3, q4 = q4 + excluded.q4"};

const SqliteStatement kFindIdempotencyKey{
    "find idempotency key",
    fmt::format("SELECT request, load_id, fingerprint FROM idempotency_keys WHERE principal = ? AND key = ? "
                "AND created_at > {}",
                kSecondsAgoText)};
const SqliteStatement kPurgeIdempotencyKeys{
    "purge idempotency keys", fmt::format("DELETE FROM idempotency_keys WHERE created_at <= {}", kSecondsAgoText)};
const SqliteStatement kDataVersion{"data version", "SELECT commits FROM data_version"};

const SqliteStatement kHiresByQuarter{
    "hires by quarter",
    "SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4 FROM hire_counts c "
    "JOIN departments d ON d.id = c.department_id JOIN jobs j ON j.id = c.job_id WHERE c.year = ?1 AND "
    "c.q1 + c.q2 + c.q3 + c.q4 > 0"};
const SqliteStatement kDepartmentHires{
    "department hires",
    "SELECT d.id, d.department, coalesce(c.hired, 0) FROM departments d LEFT JOIN ("
    "SELECT department_id, sum(q1 + q2 + q3 + q4) AS hired FROM hire_counts WHERE year = ?1 "
    "GROUP BY department_id) c ON c.department_id = d.id"};

const SqliteStatement kRecordBackup{
    "record backup", fmt::format("INSERT INTO backups ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kBackupColumns)};
const SqliteStatement kListBackups{"list backups", fmt::format("SELECT {} FROM backups WHERE (?1 IS NULL OR "
                                                               "table_name = ?1) ORDER BY created_at DESC, id LIMIT ?2",
                                                               kBackupColumns)};
const SqliteStatement kGetBackup{"get backup", fmt::format("SELECT {} FROM backups WHERE id = ?", kBackupColumns)};
const SqliteStatement kDropCounts{"drop counts", "DELETE FROM hire_counts"};
const SqliteStatement kWriteCount{
    "write count",
    "INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4) VALUES (?, ?, ?, ?, ?, ?, ?)"};

namespace {

std::string Placeholders(core::Table table) {
  std::string out;
  for (size_t i = 0; i < core::SchemaOf(table).columns.size(); ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

TableSql BuildTableSql(core::Table table) {
  const std::string_view name = core::TableName(table);
  const std::string columns = ColumnList(table);
  TableSql s;
  s.list_rows = {"list rows", fmt::format("SELECT {} FROM {} WHERE id > ? ORDER BY id LIMIT ?", columns, name)};
  s.get_row = {"get row", fmt::format("SELECT {} FROM {} WHERE id = ?", columns, name)};
  s.existing_ids = {"existing ids", fmt::format("SELECT id FROM {}", name)};
  s.insert_new = {"insert new row", fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING", name,
                                                columns, Placeholders(table))};
  s.upsert = {"upsert row", fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}", name,
                                        columns, Placeholders(table), UpdateFromExcluded(table))};
  s.empty_for_restore = {"empty table for restore", fmt::format("DELETE FROM {}", name)};
  s.restore_row = {"restore row", fmt::format("INSERT INTO {} ({}) VALUES ({})", name, columns, Placeholders(table))};
  s.scan = {"scan table", fmt::format("SELECT {} FROM {} ORDER BY id", columns, name)};
  return s;
}

}  // namespace
// Import jobs. Instants are the caller's clock (one process), in microseconds.
namespace {
const std::string kImportColumns = ImportColumns(InstantAsStored);
const std::string kImportStepColumns = ImportStepColumns(InstantAsStored);
// Only the holder of the lease may change a running job's steps.
constexpr std::string_view kHeldBy =
    "EXISTS (SELECT 1 FROM imports i WHERE i.id = ?1 AND i.lease_token = ?2 AND i.status = 'running')";
}  // namespace
const SqliteStatement kCreateImport{
    "create import",
    "INSERT INTO imports (source, status, header, on_conflict, dry_run, trace_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"};
const SqliteStatement kCreateImportStep{
    "create import step",
    "INSERT INTO import_steps (import_id, position, table_name, object_key, bytes_total) VALUES (?1, ?2, ?3, ?4, ?5)"};
const SqliteStatement kGetImport{"get import", fmt::format("SELECT {} FROM imports WHERE id = ?1", kImportColumns)};
const SqliteStatement kGetImportSteps{
    "get import steps",
    fmt::format("SELECT {} FROM import_steps WHERE import_id = ?1 ORDER BY position", kImportStepColumns)};
const SqliteStatement kListImports{
    "list imports",
    fmt::format("SELECT {} FROM imports WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2", kImportColumns)};
// ?1: the imports' ids as a JSON array.
const SqliteStatement kListImportSteps{
    "list import steps", fmt::format("SELECT {} FROM import_steps WHERE import_id IN (SELECT value FROM json_each(?1)) "
                                     "ORDER BY import_id, position",
                                     kImportStepColumns)};
// ?1 token, ?2 host, ?3 lease end, ?4 now, ?5 the only job to claim (0: any).
const SqliteStatement kClaimImport{
    "claim import",
    "UPDATE imports SET status = 'running', lease_token = ?1, host = ?2, attempts = attempts + 1, "
    "lease_expires_at = ?3, started_at = coalesce(started_at, ?4) "
    "WHERE id = (SELECT id FROM imports WHERE (status = 'queued' OR (status = 'running' AND lease_expires_at < ?4)) "
    "AND (?5 = 0 OR id = ?5) ORDER BY id LIMIT 1) RETURNING id, attempts"};
const SqliteStatement kFailAbandonedAttempt{
    "fail abandoned attempt",
    "UPDATE loads SET status = 'failed', finished_at = ?3, error = ?2 WHERE status = 'running' AND id IN "
    "(SELECT load_id FROM import_steps WHERE import_id = ?1 AND status = 'running')"};
const SqliteStatement kRequeueAbandonedSteps{
    "requeue abandoned steps", "UPDATE import_steps SET status = 'queued' WHERE import_id = ?1 AND status = 'running'"};
const SqliteStatement kGiveUpImport{
    "give up import",
    "UPDATE imports SET status = 'failed', finished_at = ?3, error = ?2, lease_token = '', lease_expires_at = NULL "
    "WHERE id = ?1"};
const SqliteStatement kRenewImportLease{
    "renew import lease",
    "UPDATE imports SET lease_expires_at = ?3 WHERE id = ?1 AND lease_token = ?2 AND status = 'running' "
    "RETURNING cancel_requested"};
const SqliteStatement kRecordStepProgress{
    "record step progress",
    fmt::format("UPDATE import_steps SET bytes_read = ?4, rows_received = ?5, rows_inserted = ?6, rows_updated = ?7, "
                "rows_rejected = ?8, rows_skipped = ?9 WHERE import_id = ?1 AND position = ?3 AND status = 'running' "
                "AND {}",
                kHeldBy)};
// ?6: now.
const SqliteStatement kStartImportStep{
    "start import step",
    fmt::format("UPDATE import_steps SET status = 'running', load_id = ?4, bytes_total = ?5, bytes_read = 0, "
                "rows_received = 0, rows_inserted = 0, rows_updated = 0, rows_rejected = 0, rows_skipped = 0, "
                "started_at = ?6, finished_at = NULL, attempts = attempts + 1 "
                "WHERE import_id = ?1 AND position = ?3 AND {}",
                kHeldBy)};
const SqliteStatement kEndImportStep{
    "end import step",
    fmt::format("UPDATE import_steps SET status = ?4, finished_at = ?5 WHERE import_id = ?1 AND position = ?3 AND {}",
                kHeldBy)};
// Inside the load's transaction, which holds SQLite's write lock until it commits: no claim can
// run between this check and the commit.
const SqliteStatement kFenceImportStep{
    "fence import step",
    "SELECT 1 FROM imports WHERE id = ?1 AND lease_token = ?2 AND status = 'running' AND NOT cancel_requested"};
const SqliteStatement kCompleteImportStep{
    "complete import step",
    "UPDATE import_steps SET status = ?3, load_id = ?4, bytes_read = ?5, rows_received = ?6, rows_inserted = ?7, "
    "rows_updated = ?8, rows_rejected = ?9, rows_skipped = ?10, finished_at = ?11 "
    "WHERE import_id = ?1 AND position = ?2"};
const SqliteStatement kFinishImport{
    "finish import",
    "UPDATE imports SET status = ?3, error = ?4, finished_at = ?5, lease_token = '', lease_expires_at = NULL "
    "WHERE id = ?1 AND lease_token = ?2 AND status = 'running'"};
const SqliteStatement kReleaseImport{"release import",
                                     "UPDATE imports SET status = 'queued', lease_token = '', lease_expires_at = NULL "
                                     "WHERE id = ?1 AND lease_token = ?2 AND status = 'running' RETURNING id"};
const SqliteStatement kCancelQueuedImport{
    "cancel queued import",
    "UPDATE imports SET status = 'cancelled', cancel_requested = 1, finished_at = ?2 "
    "WHERE id = ?1 AND status IN ('pending', 'queued') RETURNING id"};
const SqliteStatement kCancelImportSteps{
    "cancel import steps",
    "UPDATE import_steps SET status = 'cancelled', finished_at = ?2 WHERE import_id = ?1 AND status IN ('queued', "
    "'running')"};
const SqliteStatement kRequestImportCancel{
    "request import cancel",
    "UPDATE imports SET cancel_requested = 1 WHERE id = ?1 AND status = 'running' RETURNING id"};
// ?6: the instant before which a stored key has expired; ?7: now.
const SqliteStatement kRecordImportKey{
    "record import key",
    "INSERT INTO import_idempotency_keys (principal, key, request, import_id, fingerprint, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?7) ON CONFLICT (principal, key) DO UPDATE SET request = excluded.request, "
    "import_id = excluded.import_id, fingerprint = excluded.fingerprint, created_at = ?7 "
    "WHERE import_idempotency_keys.created_at <= ?6"};
const SqliteStatement kFindImportKey{
    "find import key",
    "SELECT request, import_id, fingerprint FROM import_idempotency_keys WHERE principal = ?1 AND key = ?2 "
    "AND created_at > ?3"};
// ?1: the instant (µs) at and before which a key has expired.
const SqliteStatement kPurgeImportKeys{"purge import keys",
                                       "DELETE FROM import_idempotency_keys WHERE created_at <= ?1"};
const SqliteStatement kStartPendingImport{
    "start pending import", "UPDATE imports SET status = 'queued' WHERE id = ?1 AND status = 'pending' RETURNING id"};

}  // namespace sqlite_sql

const sqlite_sql::TableSql& TableStatements(core::Table table) {
  static const std::array<sqlite_sql::TableSql, 3> kTables = {sqlite_sql::BuildTableSql(core::Table::kDepartments),
                                                              sqlite_sql::BuildTableSql(core::Table::kJobs),
                                                              sqlite_sql::BuildTableSql(core::Table::kHiredEmployees)};
  return kTables[static_cast<size_t>(table)];
}

std::vector<const SqliteStatement*> FixedSqliteStatements() {
  using namespace sqlite_sql;  // NOLINT(google-build-using-namespace): the list below names them all
  return {&kConnectionSetup,
          &kBeginRead,
          &kBeginWrite,
          &kCommit,
          &kRollback,
          &kSavepointBatch,
          &kSavepointDryRun,
          &kUndoDryRun,
          &kReleaseDryRun,
          &kRollbackToBatch,
          &kReleaseBatch,
          &kCreateSchemaMigrations,
          &kSchemaVersion,
          &kRecordMigration,
          &kCreateLoad,
          &kFailLoad,
          &kFailInterruptedLoads,
          &kRunningLoadHosts,
          &kListLoads,
          &kGetLoad,
          &kListRejects,
          &kWriteReject,
          &kRecordIdempotencyKey,
          &kBumpDataVersion,
          &kFinishLoad,
          &kAddHireCounts,
          &kFindIdempotencyKey,
          &kPurgeIdempotencyKeys,
          &kPurgeImportKeys,
          &kDataVersion,
          &kHiresByQuarter,
          &kDepartmentHires,
          &kRecordBackup,
          &kListBackups,
          &kGetBackup,
          &kDropCounts,
          &kWriteCount,
          &kCreateImport,
          &kCreateImportStep,
          &kGetImport,
          &kGetImportSteps,
          &kListImports,
          &kListImportSteps,
          &kClaimImport,
          &kFailAbandonedAttempt,
          &kRequeueAbandonedSteps,
          &kGiveUpImport,
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

std::vector<const SqliteStatement*> TableSqliteStatements(core::Table table) {
  const sqlite_sql::TableSql& s = TableStatements(table);
  return {&s.list_rows, &s.get_row,           &s.existing_ids, &s.insert_new,
          &s.upsert,    &s.empty_for_restore, &s.restore_row,  &s.scan};
}

}  // namespace migration::db::sqlite
