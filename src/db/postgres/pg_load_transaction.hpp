#pragma once
// One load's transaction on PostgreSQL: rows are COPYed into a temporary staging table, then moved
// into the target with one set-based statement per batch (conflicts found by the database, in bulk).

#include <atomic>
#include <cstdint>
#include <memory>

#include "db/database.hpp"
#include "db/postgres/pg_lease.hpp"

namespace migration::db::postgres {

// BEGINs the transaction of load `load_id` on a connection of `pool`, held until it is destroyed.
// `local_commits` is incremented once the load has committed (PgDatabase::DataVersion's hint).
std::unique_ptr<LoadTransaction> BeginPgLoad(PgPool& pool, int64_t load_id, LoadMode mode,
                                             std::atomic<uint64_t>& local_commits);

}  // namespace migration::db::postgres
