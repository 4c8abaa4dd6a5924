#pragma once
// Every statement the PostgreSQL backend sends through PgConnection, named: the name is what an
// error says ("PostgreSQL: list rejects: …") and each name stands for one statement. Fixed
// statements are the constants below; statements built from a table (its name and columns) come
// from TableStatements(), under the same name for every table. The SQL of the backend lives here
// and nowhere else (migrations excepted: they are files, db/migrations/postgres/).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"

namespace migration::db::postgres {

struct PgStatement {
  std::string_view name;
  std::string sql;
};

namespace pg_sql {

// pg_advisory_xact_lock keys. Any constants work as long as nothing else in the database uses them.
inline constexpr int64_t kMigrationLockKey = 0x6d696772;      // "migr": replicas migrate one at a time
inline constexpr int64_t kCompactLockKey = 0x68697265636e74;  // "hirecnt": one compaction at a time
// Rows fetched per round trip of a table scan (a backup), so memory holds one chunk.
inline constexpr int kScanChunkRows = 10000;

// Session and transactions
extern const PgStatement kSessionSetup;
extern const PgStatement kRollback;
// Migrations
extern const PgStatement kBeginMigrations;
extern const PgStatement kLiftStatementTimeout;
extern const PgStatement kLockMigrations;
extern const PgStatement kCreateSchemaMigrations;
extern const PgStatement kReadSchemaMigrations;
extern const PgStatement kRecordMigration;
extern const PgStatement kCommitMigrations;
extern const PgStatement kSchemaVersion;
// Loads
extern const PgStatement kCreateLoad;
extern const PgStatement kFailLoad;
extern const PgStatement kFailInterruptedLoads;
extern const PgStatement kRunningLoadHosts;
extern const PgStatement kListLoads;
extern const PgStatement kGetLoad;
extern const PgStatement kListRejects;
extern const PgStatement kBeginLoad;
extern const PgStatement kWriteRejects;
extern const PgStatement kRecordIdempotencyKey;
extern const PgStatement kBumpDataVersion;
extern const PgStatement kFinishLoad;
extern const PgStatement kCommitLoad;
extern const PgStatement kAppendHireCountDeltas;
extern const PgStatement kSavepointBeforeCopy;
extern const PgStatement kRollbackToSavepoint;
extern const PgStatement kReleaseSavepoint;
extern const PgStatement kSavepointDryRun;
extern const PgStatement kUndoDryRun;
extern const PgStatement kReleaseDryRun;
// Idempotency keys and the data version
extern const PgStatement kFindIdempotencyKey;
extern const PgStatement kPurgeIdempotencyKeys;
extern const PgStatement kPurgeImportKeys;
extern const PgStatement kDataVersion;
// Reports
extern const PgStatement kHiresByQuarter;
extern const PgStatement kDepartmentHires;
// Backups and restores
extern const PgStatement kRecordBackup;
extern const PgStatement kListBackups;
extern const PgStatement kGetBackup;
extern const PgStatement kBeginScan;
extern const PgStatement kFetchScanRows;
extern const PgStatement kEndScan;
extern const PgStatement kBeginRestore;
extern const PgStatement kLockParentsForRestore;
extern const PgStatement kCommitRestore;
extern const PgStatement kLockCompactor;
extern const PgStatement kDropPendingCountChanges;
extern const PgStatement kDropCounts;
extern const PgStatement kWriteCounts;
// Import jobs (db/import_queue.hpp)
extern const PgStatement kCreateImport;
extern const PgStatement kCreateImportStep;
extern const PgStatement kGetImport;
extern const PgStatement kGetImportSteps;
extern const PgStatement kListImports;
extern const PgStatement kListImportSteps;
extern const PgStatement kBeginImportChange;
extern const PgStatement kClaimImport;
extern const PgStatement kFailAbandonedAttempt;
extern const PgStatement kRequeueAbandonedSteps;
extern const PgStatement kGiveUpImport;
extern const PgStatement kCommitImportChange;
extern const PgStatement kRenewImportLease;
extern const PgStatement kRecordStepProgress;
extern const PgStatement kStartImportStep;
extern const PgStatement kEndImportStep;
extern const PgStatement kFenceImportStep;
extern const PgStatement kCompleteImportStep;
extern const PgStatement kFinishImport;
extern const PgStatement kReleaseImport;
extern const PgStatement kCancelQueuedImport;
extern const PgStatement kCancelImportSteps;
extern const PgStatement kRequestImportCancel;
extern const PgStatement kStartPendingImport;
extern const PgStatement kRecordImportKey;
extern const PgStatement kFindImportKey;
// The hire count compactor
extern const PgStatement kBeginCompaction;
extern const PgStatement kTryCompactionLock;
extern const PgStatement kFoldCountChanges;
extern const PgStatement kCommitCompaction;

// Statements of one table. The load's staging table has the target's columns without
// constraints, plus `pos`, the row's index in the caller's span.
struct TableSql {
  PgStatement list_rows;          // keyset page: $1 after id, $2 limit
  PgStatement get_row;            // $1 id
  PgStatement lock_parent_table;  // SHARE: the ids a hire load reads stay until it commits
  PgStatement existing_ids;
  PgStatement create_stage;
  PgStatement truncate_stage;
  PgStatement copy_stage;
  PgStatement copy_target;     // COPY straight into the table (the fast path of a new-ids batch)
  PgStatement insert_new;      // inserts rows whose id is new; returns the positions of the others
  PgStatement find_conflicts;  // positions of rows whose id exists already
  PgStatement insert_all;      // plain INSERT: a duplicate raises unique_violation
  PgStatement upsert;          // inserts or overwrites; returns (inserted, updated)
  PgStatement lock_old;        // hires: locks the rows an upsert will overwrite, returns their old values
  PgStatement empty_for_restore;
  PgStatement restore_rows;
  PgStatement open_scan;  // a cursor over the table in id order (kFetchScanRows reads it)
};

}  // namespace pg_sql

const pg_sql::TableSql& TableStatements(core::Table table);

// Every fixed statement, and every table's: for the check that each name means one statement.
std::vector<const PgStatement*> FixedPgStatements();
std::vector<const PgStatement*> TablePgStatements(core::Table table);

}  // namespace migration::db::postgres
