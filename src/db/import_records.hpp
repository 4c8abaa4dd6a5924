#pragma once
// Import jobs as the database keeps them (the `imports` and `import_steps` tables): a job loads
// one or more objects of the store, one table each, in foreign-key order. No SQL here, no HTTP.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "db/records.hpp"

namespace migration::db {

enum class ImportStatus {
  kPending,    // waiting for its object to be uploaded (presigned upload), then started
  kQueued,     // waiting for a replica to claim it
  kRunning,    // a replica holds its lease and loads its steps
  kSucceeded,  // every step's load committed (some rows may have been rejected: see the steps)
  kFailed,     // a step's load failed: that step and the ones after it committed nothing
  kCancelled,  // cancelled: the running step's load rolled back, the steps after it never ran
};

std::string_view ImportStatusName(ImportStatus status);
std::optional<ImportStatus> ImportStatusFromName(std::string_view name);
inline bool IsFinal(ImportStatus status) {
  return status == ImportStatus::kSucceeded || status == ImportStatus::kFailed || status == ImportStatus::kCancelled;
}

// One object into one table. `status`: "queued", "running", then the load's status name
// (succeeded, partial, rejected, dry_run, failed) or "cancelled".
struct ImportStep {
  int position = 0;  // 0-based, the order the steps run in
  core::Table table = core::Table::kDepartments;
  std::string key;  // object key in the store
  std::string status = "queued";
  std::optional<int64_t> load_id;  // the current (or last) attempt's load
  uint64_t bytes_total = 0;
  uint64_t bytes_read = 0;
  LoadCounts counts;  // of the current attempt: running totals while it runs
  std::optional<int64_t> started_us;
  std::optional<int64_t> finished_us;
  int attempts = 0;  // loads started for this step (the earlier ones failed)
};

struct ImportRecord {
  int64_t id = 0;
  std::string source;  // as the client named it: "s3://bucket/prefix/key.csv", "file://…"
  ImportStatus status = ImportStatus::kQueued;
  std::string header = "auto";  // ingest::HeaderMode name
  OnConflict on_conflict = OnConflict::kReject;
  bool dry_run = false;
  int64_t created_us = 0;
  std::optional<int64_t> started_us;
  std::optional<int64_t> finished_us;
  std::string error;     // why it failed; empty otherwise
  std::string trace_id;  // the trace of the request that created it
  std::string host;      // the replica that holds (or last held) it
  bool cancel_requested = false;
  int attempts = 0;               // times a replica claimed it
  std::vector<ImportStep> steps;  // in position order
  std::optional<int64_t> lease_expires_us;
};

// 32 random hex digits: a claim's lease token.
std::string NewLeaseToken();

// A claimed job: the lease token proves the claim in every later call (a new one per claim, so a
// replica that lost its lease cannot act on the job again, even after a restart).
struct ImportClaim {
  ImportRecord import;
  std::string lease_token;
};

// The running step's progress, written with each lease renewal.
struct ImportProgress {
  int position = 0;
  uint64_t bytes_read = 0;
  LoadCounts counts;
};

struct ImportLeaseState {
  bool held = false;              // false: the lease expired and another claim took the job
  bool cancel_requested = false;  // DELETE /v1/imports/{id} asked to stop it
};

// What Load::Finish writes inside the load's transaction, so the step is marked done exactly
// when its rows commit (and not at all when the lease was lost meanwhile).
struct ImportStepCommit {
  int64_t import_id = 0;
  int position = 0;
  std::string lease_token;
  int64_t load_id = 0;
  std::string status;  // the load's status name
  LoadCounts counts;
  uint64_t bytes_read = 0;
};

enum class CancelOutcome {
  kNotFound,
  kCancelled,  // it was pending or queued: cancelled now
  kRequested,  // it is running: the replica holding it stops it within a lease renewal
  kAlreadyFinal,
};

}  // namespace migration::db
