#pragma once
// Plain records exchanged with the database layer. No SQL here, no HTTP: the shapes of the
// `loads` and `rejects` tables as the rest of the program sees them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::db {

enum class OnConflict { kReject, kUpdate, kSkip };

std::string_view OnConflictName(OnConflict mode);  // "reject", "update", "skip"
std::optional<OnConflict> OnConflictFromName(std::string_view name);

enum class LoadStatus {
  kRunning,    // rows are being read; nothing of the load is visible yet
  kSucceeded,  // every received row inserted, updated or skipped
  kPartial,    // committed with some rows rejected
  kRejected,   // committed, but nothing valid (or an atomic batch with an invalid row): only rejects
  kFailed,     // nothing committed: client gone, database error, server stopped
  kDryRun,     // every check ran and the rejects were stored, but no row was written (?dry_run=true)
};

std::string_view LoadStatusName(LoadStatus status);
std::optional<LoadStatus> LoadStatusFromName(std::string_view name);

struct LoadCounts {
  uint64_t received = 0;
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t rejected = 0;
  uint64_t skipped = 0;
};

// The status a committed load with these counts has: succeeded, partial or rejected. A dry run
// is stored as kDryRun and reports this as the outcome the real load would have.
LoadStatus OutcomeOf(const LoadCounts& counts);

// Whether a load writes its rows or only checks them.
enum class LoadMode { kWrite, kDryRun };

// An Idempotency-Key a client sent with a load: (principal, key) names it; `request` is what it
// was sent with ("POST /v1/departments/upload") and `fingerprint` the SHA-256 of the whole request
// (api/idempotency.hpp), so reusing a key for another request is refused.
struct IdempotencyRecord {
  std::string principal;
  std::string key;
  std::string request;
  int64_t load_id = 0;
  std::string fingerprint;  // lower-case hex; empty for keys stored before fingerprints
  // How long a key lives: a stored key older than this is expired, as if absent, and a new
  // request with it replaces it.
  int64_t ttl_seconds = 24 * 3600;
};

struct LoadRecord {
  int64_t id = 0;
  core::Table table = core::Table::kDepartments;
  std::string source;  // "upload", "batch", "cli:<file name>"
  OnConflict on_conflict = OnConflict::kReject;
  LoadStatus status = LoadStatus::kRunning;
  int64_t started_us = 0;
  std::optional<int64_t> finished_us;
  LoadCounts counts;
  std::string error;    // why a failed load failed; empty otherwise
  std::string host;     // the server that ran it (to mark its interrupted loads on restart)
  std::string archive;  // where the uploaded file was archived ("s3://…", "file://…"); empty: not archived
  std::optional<int64_t> retry_of;  // the load whose rejects this load retried
  std::string trace_id;             // the trace of the request or CLI run that ran it (32 hex; empty before 0007)
};

// One Avro backup of a table in object storage (POST /v1/{table}/backups).
struct BackupRecord {
  std::string id;  // 32 hex digits, random
  core::Table table = core::Table::kDepartments;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string sha256;    // of the whole object, hex
  std::string key;       // object key in the store ("backups/departments/20261127T020000Z-<id>.avro")
  std::string location;  // the key as a URL, for people
  int64_t created_us = 0;
};

// How a rejected row is located in its input: a CSV line or a JSON batch index.
enum class RejectLocator { kLine, kIndex };

std::string_view RejectLocatorName(RejectLocator locator);  // "line", "index" (stored and rendered)
std::optional<RejectLocator> RejectLocatorFromName(std::string_view name);

struct RejectRecord {
  RejectLocator locator = RejectLocator::kLine;
  int64_t position = 0;     // CSV: 1-based physical line; JSON: 0-based index in the batch
  std::string raw;          // the record as received (CSV text or JSON object text), cut to a bound
  std::string errors_json;  // JSON array of {field, code, message}
  int64_t raw_length = 0;   // the record's full length in bytes (raw.size() when nothing was cut)

  bool raw_truncated() const { return raw_length > static_cast<int64_t>(raw.size()); }
};

struct StoredReject {
  int64_t seq = 0;  // order of the reject within its load (keyset cursor)
  RejectRecord reject;
};

// Result of writing a batch of valid rows into a table.
struct WriteResult {
  uint64_t inserted = 0;
  uint64_t updated = 0;
  // Indexes (into the written span) of rows whose id already existed in the table. With
  // on_conflict reject or skip they were not written; with update they never appear here.
  std::vector<uint32_t> conflicts;
};

}  // namespace migration::db
