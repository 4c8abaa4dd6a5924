#pragma once
// The service's metrics, all in one place: names, help, labels and buckets (Prometheus, in
// DefaultRegistry()), and the CloudWatch EMF lines that mirror some of them (observability/emf.hpp).
// Callers report facts ("a request finished", "a load committed"); this file decides what they
// count towards.
//
//   migration_http_requests_total{route,status}            counter
//   migration_http_request_duration_seconds{route}         histogram
//   migration_http_request_bytes_total{route}              counter  (request bodies)
//   migration_http_response_bytes_total{route}             counter  (response bodies)
//   migration_http_requests_in_flight, migration_http_open_connections   gauges (at scrape)
//   migration_loads_total{table,status}                    counter  (succeeded|partial|rejected|failed|dry_run)
//   migration_load_duration_seconds{table}                 histogram (committed loads)
//   migration_rows_inserted_total{table}, _updated_, _skipped_, _rejected_   counters
//   migration_rows_rejected_by_code_total{table,code}      counter  (a row counts once per distinct code)
//   migration_db_pool_connections{state="in_use"|"idle"}, migration_db_pool_max_connections,
//   migration_db_pool_waiting                               gauges (at scrape)
//   migration_db_pool_acquires_total, migration_db_pool_acquire_timeouts_total,
//   migration_db_pool_wait_seconds_total                    counters (at scrape)
//   migration_storage_requests_total{operation}, migration_storage_errors_total{operation}   counters
//   process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
//   process_max_fds, process_cpu_seconds_total, process_start_time_seconds, process_threads
//   migration_build_info{version}                          gauge, always 1
//
// Label values are bounded: routes are patterns ("POST /v1/{table}/upload", "unmatched" for
// anything the router does not know), tables and codes come from fixed lists.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace migration::observability {

// A request answered (or whose answer could not be written). `route`: the matched route's name.
void RecordRequest(std::string_view route, int status, double seconds, uint64_t bytes_in, uint64_t bytes_out);

struct LoadSummary {
  int64_t load_id = 0;
  std::string_view table;
  std::string_view status;  // succeeded | partial | rejected | dry_run (counted as a load only)
  uint64_t received = 0;
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t rejected = 0;
  uint64_t skipped = 0;
  double duration_ms = 0;
  const std::map<std::string, uint64_t>* rejected_by_code = nullptr;  // rows per distinct error code
};

// A load committed. Also writes its EMF line (rows_inserted, rows_rejected, load_duration_ms,
// loads_failed = 0) when EMF is on.
void RecordLoadFinished(const LoadSummary& load);
// A load failed: nothing of it was committed (EMF: loads_failed = 1).
void RecordLoadFailed(int64_t load_id, std::string_view table, double duration_ms);

// One object-store call (S3 or the local folder), counted once per logical operation after any
// retries: `operation` is a fixed name ("put_object", "get_object", "list_objects", …), `ok`
// false when it finally failed (EMF: s3_errors = 1).
void RecordStorageCall(std::string_view operation, bool ok);

// Read at scrape time from the database's pool.
struct DbPoolSample {
  uint64_t max_connections = 0;
  uint64_t in_use = 0;
  uint64_t idle = 0;
  uint64_t waiting = 0;
  uint64_t acquires = 0;
  uint64_t timeouts = 0;
  double wait_seconds = 0;
};
void SetDbPoolStats(const DbPoolSample& sample);
void SetServerStats(int64_t in_flight, int64_t open_connections);

// Refreshes the process_* gauges from /proc/self and renders every metric (text format 0.0.4).
std::string RenderMetrics();

}  // namespace migration::observability
