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

constexpr auto kBusyPause = std::chrono::milliseconds(100);
constexpr auto kIdlePause = std::chrono::milliseconds(1000);

}  // namespace

int64_t CompactHireCounts(PgPool& pool) {
  PgLease conn(pool);
  conn->Exec(pg_sql::kBeginCompaction);
  const PgResult locked = conn->Exec(pg_sql::kTryCompactionLock);
  int64_t moved = 0;
  if (locked.Text(0, 0) == "t") moved = static_cast<int64_t>(conn->Exec(pg_sql::kFoldCountChanges).AffectedRows());
  conn->Exec(pg_sql::kCommitCompaction);
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
