#pragma once
// SQLite side of import jobs (db/import_queue.hpp). One process owns a SQLite file in practice,
// but a CLI run beside the server may share it: claims and leases work the same way as on
// PostgreSQL, on this process's clock, and every change is one write transaction.

#include <memory>

#include "db/import_queue.hpp"
#include "db/sqlite/sqlite_backups.hpp"

namespace migration::db::sqlite {

std::unique_ptr<ImportQueue> MakeSqliteImportQueue(Pool& pool);

// Inside a load's write transaction (LoadTransaction::CompleteImportStep).
void CompleteImportStep(Connection& conn, const ImportStepCommit& commit);

}  // namespace migration::db::sqlite
