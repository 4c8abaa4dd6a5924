#pragma once
// Every statement the SQLite backend runs, named: the name is what an error says ("SQLite: list
// rejects: database is locked") and each name stands for one statement. Fixed statements are the
// constants below; statements built from a table come from TableStatements(), under the same
// name for every table. The SQL of the backend lives here and nowhere else (migrations excepted:
// they are files, db/migrations/sqlite/).

#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"

namespace migration::db::sqlite {

struct SqliteStatement {
  std::string_view name;
  std::string sql;
};

namespace sqlite_sql {

// Connection setup
extern const SqliteStatement kConnectionSetup;
// Transactions
extern const SqliteStatement kBeginRead;
extern const SqliteStatement kBeginWrite;
extern const SqliteStatement kCommit;
extern const SqliteStatement kRollback;
extern const SqliteStatement kSavepointBatch;
extern const SqliteStatement kSavepointDryRun;
extern const SqliteStatement kUndoDryRun;
extern const SqliteStatement kReleaseDryRun;
extern const SqliteStatement kRollbackToBatch;
extern const SqliteStatement kReleaseBatch;
// Migrations
extern const SqliteStatement kCreateSchemaMigrations;
extern const SqliteStatement kSchemaVersion;
extern const SqliteStatement kRecordMigration;
// Loads
extern const SqliteStatement kCreateLoad;
extern const SqliteStatement kFailLoad;
extern const SqliteStatement kFailInterruptedLoads;
extern const SqliteStatement kRunningLoadHosts;
extern const SqliteStatement kListLoads;
extern const SqliteStatement kGetLoad;
extern const SqliteStatement kListRejects;
extern const SqliteStatement kWriteReject;
extern const SqliteStatement kRecordIdempotencyKey;
extern const SqliteStatement kBumpDataVersion;
extern const SqliteStatement kFinishLoad;
extern const SqliteStatement kAddHireCounts;
// Idempotency keys and the data version
extern const SqliteStatement kFindIdempotencyKey;
extern const SqliteStatement kPurgeIdempotencyKeys;
extern const SqliteStatement kPurgeImportKeys;
extern const SqliteStatement kDataVersion;
// Reports
extern const SqliteStatement kHiresByQuarter;
extern const SqliteStatement kDepartmentHires;
// Backups and restores
extern const SqliteStatement kRecordBackup;
extern const SqliteStatement kListBackups;
extern const SqliteStatement kGetBackup;
extern const SqliteStatement kDropCounts;
extern const SqliteStatement kWriteCount;

// Import jobs (db/import_queue.hpp); parameters are numbered (?1…) like PostgreSQL's
extern const SqliteStatement kCreateImport;
extern const SqliteStatement kCreateImportStep;
extern const SqliteStatement kGetImport;
extern const SqliteStatement kGetImportSteps;
extern const SqliteStatement kListImports;
extern const SqliteStatement kListImportSteps;
extern const SqliteStatement kClaimImport;
extern const SqliteStatement kFailAbandonedAttempt;
extern const SqliteStatement kRequeueAbandonedSteps;
extern const SqliteStatement kGiveUpImport;
extern const SqliteStatement kRenewImportLease;
extern const SqliteStatement kRecordStepProgress;
extern const SqliteStatement kStartImportStep;
extern const SqliteStatement kEndImportStep;
extern const SqliteStatement kFenceImportStep;
extern const SqliteStatement kCompleteImportStep;
extern const SqliteStatement kFinishImport;
extern const SqliteStatement kReleaseImport;
extern const SqliteStatement kCancelQueuedImport;
extern const SqliteStatement kCancelImportSteps;
extern const SqliteStatement kRequestImportCancel;
extern const SqliteStatement kStartPendingImport;
extern const SqliteStatement kRecordImportKey;
extern const SqliteStatement kFindImportKey;

struct TableSql {
  SqliteStatement list_rows;  // keyset page: ? after id, ? limit
  SqliteStatement get_row;    // ? id
  SqliteStatement existing_ids;
  SqliteStatement insert_new;  // a new id is inserted; an existing one changes nothing (Changes() = 0)
  SqliteStatement upsert;      // inserted or overwritten
  SqliteStatement empty_for_restore;
  SqliteStatement restore_row;
  SqliteStatement scan;  // every row in id order
};

}  // namespace sqlite_sql

const sqlite_sql::TableSql& TableStatements(core::Table table);

// Every fixed statement, and every table's: for the check that each name means one statement.
std::vector<const SqliteStatement*> FixedSqliteStatements();
std::vector<const SqliteStatement*> TableSqliteStatements(core::Table table);

}  // namespace migration::db::sqlite
