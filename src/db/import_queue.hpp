#pragma once
// Import jobs live in the database, not in a process: any replica claims a queued job (PostgreSQL:
// FOR UPDATE SKIP LOCKED) under a lease it renews while it works. A replica that dies leaves a
// lease that expires; the next claim takes the job over, records the interrupted attempt's load
// as failed and starts that step again from the beginning of its object. A step is marked done
// inside its load's transaction (LoadTransaction::CompleteImportStep), fenced by the lease token,
// so a step is either committed whole by the lease holder or not at all.
//
// Every method is blocking (worker threads only). Instants of leases come from the database's
// clock on PostgreSQL (replicas' clocks may differ), from the process's on SQLite (one process).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/import_records.hpp"

namespace migration::db {

// Claims after which a job is failed instead of started again (a file that kills every replica
// that loads it must not take them down one after another for ever).
inline constexpr int kMaxImportAttempts = 5;

// In a step's key at Create: the job's id, known only once it is stored.
inline constexpr std::string_view kImportIdPlaceholder = "{import_id}";
// `key` with kImportIdPlaceholder replaced by `id`.
std::string WithImportId(std::string key, int64_t id);

class ImportQueue {
 public:
  virtual ~ImportQueue() = default;

  // Stores a new job with its steps (status kQueued, or kPending for a presigned upload; a step's
  // key may hold kImportIdPlaceholder, replaced by the new job's id) and the
  // client's Idempotency-Key, if any, with it; returns its id. Throws core::Error(kConflict) when
  // another job holds the same key and it has not expired (key.load_id is unused).
  virtual int64_t Create(const ImportRecord& import, const std::optional<IdempotencyRecord>& key) = 0;
  // The job created with (principal, key) within the last `ttl_seconds`, if any; its `load_id`
  // is the import's id.
  virtual std::optional<IdempotencyRecord> FindKey(const std::string& principal, const std::string& key,
                                                   int64_t ttl_seconds) = 0;
  virtual std::optional<ImportRecord> Get(int64_t id) = 0;
  // Newest first; `after` = last id seen (0: start). Steps included.
  virtual std::vector<ImportRecord> List(int64_t after, int limit) = 0;

  // Claims the oldest queued job, or a running one whose lease expired, for `lease`; `host`
  // names this replica. A job claimed kMaxImportAttempts times already is failed instead.
  // `only`: claim that job or none (the CLI's `import`, which runs the job it created).
  virtual std::optional<ImportClaim> Claim(const std::string& host, std::chrono::milliseconds lease, int64_t only) = 0;
  // Extends the lease and stores the running step's progress.
  virtual ImportLeaseState Renew(int64_t id, const std::string& lease_token, std::chrono::milliseconds lease,
                                 const std::optional<ImportProgress>& progress) = 0;
  // The step's new attempt began with `load_id` (status running, attempts + 1, counts zero).
  // Throws core::Error(kConflict) when the lease is no longer held.
  virtual void StartStep(int64_t id, const std::string& lease_token, int position, int64_t load_id,
                         uint64_t bytes_total) = 0;
  // The step's load failed or was cancelled (its load record says why): the step keeps `status`.
  virtual void EndStep(int64_t id, const std::string& lease_token, int position, const std::string& status) = 0;
  // Ends the job (succeeded, failed or cancelled); false when the lease is no longer held.
  virtual bool Finish(int64_t id, const std::string& lease_token, ImportStatus status, const std::string& error) = 0;
  // Gives the job back (SIGTERM): queued again at once, for any replica.
  virtual bool Release(int64_t id, const std::string& lease_token) = 0;
  virtual CancelOutcome Cancel(int64_t id) = 0;
  // A pending job whose object is now uploaded: queued. False when it is not pending.
  virtual bool Start(int64_t id) = 0;
};

}  // namespace migration::db
