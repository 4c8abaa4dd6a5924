#pragma once
// PostgreSQL side of import jobs (db/import_queue.hpp): claims with FOR UPDATE SKIP LOCKED,
// leases on the database's clock, and the fence a load's transaction takes before it commits.

#include <memory>

#include "db/import_queue.hpp"
#include "db/postgres/pg_lease.hpp"

namespace migration::db::postgres {

std::unique_ptr<ImportQueue> MakePgImportQueue(PgPool& pool);

// Inside a load's transaction (LoadTransaction::CompleteImportStep): locks the job's row if the
// lease is still `commit.lease_token`'s and no cancel was asked, and marks the step done.
void CompleteImportStep(PgConnection& conn, const ImportStepCommit& commit);

}  // namespace migration::db::postgres
