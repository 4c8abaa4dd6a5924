#pragma once
// Runs import jobs on this replica: up to `max_jobs` at once, each claimed from the database
// (db/import_queue.hpp) under a lease that one heartbeat thread renews every lease/3, storing the
// running step's progress with it. A step is one LoadCsvFile over its object, streamed from the
// store, with the atomicity of an upload; the step is marked done inside its load's transaction.
//
// A job stops early when:
//   - it is cancelled (DELETE /v1/imports/{id}, seen here at once or at the next renewal from
//     another replica): the running load rolls back, the job ends `cancelled`;
//   - this replica stops (Stop(), SIGTERM): the running load rolls back and the job is handed
//     back, queued, for any replica to start again;
//   - the lease was lost (this replica stalled past it and another claimed the job): the load
//     rolls back and this replica leaves the job alone.
// The running load notices between two pieces of its object (a piece is at most a few MiB).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/database.hpp"
#include "db/import_records.hpp"
#include "storage/object_store.hpp"

namespace migration::imports {

struct ImportRunnerOptions {
  int max_jobs = 2;                        // MAX_IMPORT_JOBS (0: this replica runs none)
  std::chrono::milliseconds lease{30000};  // IMPORT_LEASE_SECONDS
  std::chrono::milliseconds poll{1000};    // how often an idle worker looks for queued jobs
  std::string host;                        // names this replica in the job
};

// The running step of a job on this replica, fresher than the database's copy.
struct LiveProgress {
  int position = 0;
  uint64_t bytes_read = 0;
  db::LoadCounts counts;
};

class ImportRunner {
 public:
  ImportRunner(db::Database& db, storage::ObjectStore& store, ImportRunnerOptions options);
  ~ImportRunner();
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  // Starts the workers (max_jobs) and the heartbeat that renews the leases of every job this
  // runner runs, the workers' and those given to Run().
  void Start();
  // A job was queued: an idle worker claims it now rather than at its next poll.
  void Notify();
  // Hands every running job back (queued again) and joins the threads. Bounded: each running load
  // stops at its next piece; a commit under way finishes first.
  void Stop();

  // Asks a job running here to stop as cancelled; false when it does not run here.
  bool CancelLocal(int64_t import_id);
  std::optional<LiveProgress> Live(int64_t import_id) const;

  // Runs one claimed job to its end on the calling thread (the workers' loop, and the CLI's
  // `import`); `on_progress` (optional) is called after each piece of the running step.
  db::ImportStatus Run(const db::ImportClaim& claim,
                       const std::function<void(const db::ImportStep&, const LiveProgress&)>& on_progress = {});

 private:
  enum class StopReason { kNone, kCancel, kShutdown, kLeaseLost };
  struct Active {
    int64_t id = 0;
    std::string token;
    std::atomic<StopReason> stop{StopReason::kNone};
    mutable std::mutex mutex;  // guards live
    LiveProgress live;
    bool running_step = false;
  };

  void WorkerLoop();
  void HeartbeatLoop();
  // Runs one step; returns the load's status name, or throws.
  std::string RunStep(const db::ImportClaim& claim, const db::ImportStep& step, Active& active,
                      const std::function<void(const db::ImportStep&, const LiveProgress&)>& on_progress);
  std::shared_ptr<Active> Register(const db::ImportClaim& claim);
  void Unregister(int64_t id);

  db::Database& db_;
  storage::ObjectStore& store_;
  ImportRunnerOptions options_;

  std::mutex stop_mutex_;     // held through Stop(): the threads are joined once
  mutable std::mutex mutex_;  // guards active_, stopping_, wake_
  std::condition_variable wake_cv_;
  bool stopping_ = false;
  uint64_t wake_ = 0;  // bumped by Notify()
  std::map<int64_t, std::shared_ptr<Active>> active_;
  std::vector<std::thread> workers_;
  std::thread heartbeat_;
};

}  // namespace migration::imports
