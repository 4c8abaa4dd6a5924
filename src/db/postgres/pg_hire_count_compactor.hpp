#pragma once
// PostgreSQL keeps the reports' hire counts in two parts: hire_counts, and hire_count_deltas that
// each load or restore appends to (so concurrent loads never contend on one counts row). This
// folds the deltas into hire_counts, so reports stay cheap; a report is exact either way, but it
// reads every change not folded yet. The serving process runs one (DatabaseOptions::postgres);
// replicas take turns through an advisory lock. SQLite loads write hire_counts directly: nothing
// to fold there.

#include <cstdint>
#include <thread>

#include "db/postgres/pg_lease.hpp"

namespace migration::db::postgres {

// Folds every recorded change once, unless another replica is folding (then nothing: the advisory
// lock pg_sql::kCompactLockKey, which a restore rebuilding the counts takes too). Returns
// how many delta rows it folded.
int64_t CompactHireCounts(PgPool& pool);

// Folds in a background thread until destroyed: every 100 ms while loads keep coming (the last
// round moved something), so a report under a steady stream of batches reads a tenth of a second
// of changes; once a second when idle. A failed round is logged and retried at the next.
class HireCountCompactor {
 public:
  explicit HireCountCompactor(PgPool& pool);

 private:
  std::jthread thread_;
};

}  // namespace migration::db::postgres
