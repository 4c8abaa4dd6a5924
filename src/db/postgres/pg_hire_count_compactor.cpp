#include "db/postgres/pg_hire_count_compactor.hpp"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>

#include "db/postgres/pg_connection.hpp"
#include "observability/log.hpp"

namespace migration::db::postgres {
namespace {

// Moves every recorded change into hire_counts, in key order (two replicas never deadlock on it).
const std::string kFoldDeltas =
    "WITH moved AS (DELETE FROM hire_count_deltas RETURNING *), "
    "changes AS (SELECT x.* FROM moved d, unnest(d.years, d.department_ids, d.job_ids, d.q1, d.q2, d.q3, d.q4) "
    "AS x(year, department_id, job_id, q1, q2, q3, q4)) "
    "INSERT INTO hire_counts AS c (year, department_id, job_id, q1, q2, q3, q4) "
    "SELECT year, department_id, job_id, sum(q1), sum(q2), sum(q3), sum(q4) FROM changes "
    "GROUP BY year, department_id, job_id ORDER BY year, department_id, job_id "
    "ON CONFLICT (year, department_id, job_id) DO UPDATE SET q1 = c.q1 + excluded.q1, q2 = c.q2 + excluded.q2, "
    "q3 = c.q3 + excluded.q3, q4 = c.q4 + excluded.q4";

constexpr auto kBusyPause = std::chrono::milliseconds(100);
constexpr auto kIdlePause = std::chrono::milliseconds(1000);

}  // namespace

int64_t CompactHireCounts(PgPool& pool) {
  PgLease conn(pool);
  conn->Exec("begin compaction", "BEGIN");
  const PgResult locked =
      conn->Exec("compaction lock", fmt::format("SELECT pg_try_advisory_xact_lock({})", kCompactLockKey));
  int64_t moved = 0;
  if (locked.Text(0, 0) == "t") {
    moved = static_cast<int64_t>(conn->Exec("compact hire counts", kFoldDeltas).AffectedRows());
  }
  conn->Exec("commit compaction", "COMMIT");
  return moved;
}

HireCountCompactor::HireCountCompactor(PgPool& pool)
    : thread_([&pool](const std::stop_token& stop) {
        std::mutex mutex;
        std::condition_variable_any wake;
        while (!stop.stop_requested()) {
          int64_t moved = 0;
          try {
            moved = CompactHireCounts(pool);
          } catch (const std::exception& e) {
            observability::LogWarn("hire_counts_compaction_failed", {{"error", e.what()}});
          }
          std::unique_lock lock(mutex);
          wake.wait_for(lock, stop, moved > 0 ? kBusyPause : kIdlePause, [] { return false; });
        }
      }) {}

}  // namespace migration::db::postgres
