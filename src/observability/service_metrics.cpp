#include "observability/service_metrics.hpp"

#include <array>
#include <charconv>

#include "observability/emf.hpp"
#include "observability/metrics.hpp"
#include "observability/process_stats.hpp"

namespace migration::observability {
namespace {

// Requests: 1 ms .. 5 min (a large upload is one request).
const std::vector<double> kRequestBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,      2.5,   5,    10,    30,   60,  300};
// Loads: 10 ms (a small batch) .. 1 h (a historical file of many millions of rows).
const std::vector<double> kLoadBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                          5,    10,    30,   60,  120,  300, 900, 3600};

struct Metrics {
  Registry& r = DefaultRegistry();

  Family<Counter>& requests = r.AddCounter("migration_http_requests_total",
                                           "HTTP requests answered, by route and status code.", {"route", "status"});
  Family<Histogram>& request_duration =
      r.AddHistogram("migration_http_request_duration_seconds",
                     "Time from a request's head read to its response written, by route.", {"route"}, kRequestBuckets);
  Family<Counter>& request_bytes =
      r.AddCounter("migration_http_request_bytes_total", "Request body bytes received, by route.", {"route"});
  Family<Counter>& response_bytes =
      r.AddCounter("migration_http_response_bytes_total", "Response body bytes sent, by route.", {"route"});
  Gauge& in_flight = r.AddGauge("migration_http_requests_in_flight", "Requests being handled now.").With({});
  Gauge& open_connections = r.AddGauge("migration_http_open_connections", "Client connections open now.").With({});

  Family<Counter>& loads =
      r.AddCounter("migration_loads_total", "Loads ended, by table and status (succeeded, partial, rejected, failed).",
                   {"table", "status"});
  Family<Histogram>& load_duration =
      r.AddHistogram("migration_load_duration_seconds", "Wall time of committed loads, start to commit, by table.",
                     {"table"}, kLoadBuckets);
  Family<Counter>& rows_inserted =
      r.AddCounter("migration_rows_inserted_total", "Rows inserted by committed loads, by table.", {"table"});
  Family<Counter>& rows_updated = r.AddCounter(
      "migration_rows_updated_total", "Rows overwritten by committed loads (on_conflict=update), by table.", {"table"});
  Family<Counter>& rows_skipped = r.AddCounter(
      "migration_rows_skipped_total", "Rows skipped by committed loads (on_conflict=skip), by table.", {"table"});
  Family<Counter>& rows_rejected =
      r.AddCounter("migration_rows_rejected_total",
                   "Rows rejected (and kept in the rejects log) by committed loads, by table.", {"table"});
  Family<Counter>& rows_rejected_by_code =
      r.AddCounter("migration_rows_rejected_by_code_total",
                   "Rejected rows by table and error code; a row with several distinct codes counts once under each.",
                   {"table", "code"});

  Family<Gauge>& pool_connections =
      r.AddGauge("migration_db_pool_connections", "Database connections by state (in_use, idle).", {"state"});
  Gauge& pool_max = r.AddGauge("migration_db_pool_max_connections", "Size of the database connection pool.").With({});
  Gauge& pool_waiting =
      r.AddGauge("migration_db_pool_waiting", "Threads waiting now for a database connection.").With({});
  Counter& pool_acquires =
      r.AddCounter("migration_db_pool_acquires_total", "Database connections handed out by the pool.").With({});
  Counter& pool_timeouts = r.AddCounter("migration_db_pool_acquire_timeouts_total",
                                        "Waits for a database connection that timed out (503 to the client).")
                               .With({});
  Counter& pool_wait_seconds =
      r.AddCounter("migration_db_pool_wait_seconds_total", "Time spent waiting for a database connection.").With({});

  Family<Counter>& storage_requests = r.AddCounter(
      "migration_storage_requests_total", "Object store operations (after retries), by operation.", {"operation"});
  Family<Counter>& storage_errors =
      r.AddCounter("migration_storage_errors_total", "Object store operations that failed after retries, by operation.",
                   {"operation"});

  Gauge& resident = r.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.").With({});
  Gauge& virtual_memory = r.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").With({});
  Gauge& open_fds = r.AddGauge("process_open_fds", "Number of open file descriptors.").With({});
  Gauge& max_fds = r.AddGauge("process_max_fds", "Maximum number of open file descriptors.").With({});
  Counter& cpu = r.AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").With({});
  Gauge& start_time =
      r.AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").With({});
  Gauge& threads = r.AddGauge("process_threads", "Number of OS threads in the process.").With({});

  Family<Gauge>& build_info =
      r.AddGauge("migration_build_info", "Always 1; the version of the running binary.", {"version"});

  Metrics() { build_info.With({MIGRATION_VERSION}).Set(1); }
};

Metrics& M() {
  static Metrics metrics;
  return metrics;
}

// The status code as text in `buffer`, without allocating (this runs for every request).
std::string_view StatusText(int status, std::array<char, 12>& buffer) {
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), status);
  return {buffer.data(), ec == std::errc() ? static_cast<size_t>(end - buffer.data()) : 0};
}

}  // namespace

void RecordRequest(std::string_view route, int status, double seconds, uint64_t bytes_in, uint64_t bytes_out) {
  Metrics& m = M();
  std::array<char, 12> status_buffer{};
  m.requests.With({route, StatusText(status, status_buffer)}).Inc();
  m.request_duration.With({route}).Observe(seconds);
  if (bytes_in > 0) m.request_bytes.With({route}).Inc(static_cast<double>(bytes_in));
  if (bytes_out > 0) m.response_bytes.With({route}).Inc(static_cast<double>(bytes_out));
}

void RecordLoadFinished(const LoadSummary& load) {
  Metrics& m = M();
  m.loads.With({load.table, load.status}).Inc();
  if (load.status == "dry_run") return;  // it wrote no row: the row counters count what landed
  m.load_duration.With({load.table}).Observe(load.duration_ms / 1000.0);
  m.rows_inserted.With({load.table}).Inc(static_cast<double>(load.inserted));
  m.rows_updated.With({load.table}).Inc(static_cast<double>(load.updated));
  m.rows_skipped.With({load.table}).Inc(static_cast<double>(load.skipped));
  m.rows_rejected.With({load.table}).Inc(static_cast<double>(load.rejected));
  if (load.rejected_by_code != nullptr) {
    for (const auto& [code, rows] : *load.rejected_by_code) {
      m.rows_rejected_by_code.With({load.table, code}).Inc(static_cast<double>(rows));
    }
  }
  // rows_inserted counts what the load wrote, inserted or overwritten (emf-metrics.json).
  WriteEmf(load.table,
           {{emf::kRowsInserted, "Count", static_cast<double>(load.inserted + load.updated)},
            {emf::kRowsRejected, "Count", static_cast<double>(load.rejected)},
            {emf::kLoadDurationMs, "Milliseconds", load.duration_ms},
            {emf::kLoadsFailed, "Count", 0}},
           {{"load_id", load.load_id}, {"status", load.status}});
}

void RecordLoadFailed(int64_t load_id, std::string_view table, double duration_ms) {
  M().loads.With({table, "failed"}).Inc();
  WriteEmf(table, {{emf::kLoadsFailed, "Count", 1}},
           {{"load_id", load_id}, {"status", "failed"}, {"elapsed_ms", duration_ms}});
}

void RecordStorageCall(std::string_view operation, bool ok) {
  Metrics& m = M();
  m.storage_requests.With({operation}).Inc();
  if (ok) return;
  m.storage_errors.With({operation}).Inc();
  WriteEmf(std::nullopt, {{emf::kS3Errors, "Count", 1}}, {{"operation", operation}});
}

void SetDbPoolStats(const DbPoolSample& sample) {
  Metrics& m = M();
  m.pool_connections.With({"in_use"}).Set(static_cast<double>(sample.in_use));
  m.pool_connections.With({"idle"}).Set(static_cast<double>(sample.idle));
  m.pool_max.Set(static_cast<double>(sample.max_connections));
  m.pool_waiting.Set(static_cast<double>(sample.waiting));
  m.pool_acquires.Set(static_cast<double>(sample.acquires));
  m.pool_timeouts.Set(static_cast<double>(sample.timeouts));
  m.pool_wait_seconds.Set(sample.wait_seconds);
}

void SetServerStats(int64_t in_flight, int64_t open_connections) {
  Metrics& m = M();
  m.in_flight.Set(static_cast<double>(in_flight));
  m.open_connections.Set(static_cast<double>(open_connections));
}

std::string RenderMetrics() {
  Metrics& m = M();
  if (const auto stats = ReadProcessStats()) {
    m.resident.Set(stats->resident_bytes);
    m.virtual_memory.Set(stats->virtual_bytes);
    m.open_fds.Set(static_cast<double>(stats->open_fds));
    m.max_fds.Set(static_cast<double>(stats->max_fds));
    m.cpu.Set(stats->cpu_seconds);
    m.start_time.Set(stats->start_time_seconds);
    m.threads.Set(static_cast<double>(stats->threads));
  }
  return m.r.Render();
}

}  // namespace migration::observability
