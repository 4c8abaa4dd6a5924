#pragma once
// This process's resource use, read from /proc/self (Linux), for the standard process_* metrics
// every Prometheus client exports: memory, CPU, open file descriptors and their limit.

#include <cstdint>
#include <optional>

namespace migration::observability {

struct ProcessStats {
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
  int64_t threads = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;  // the soft RLIMIT_NOFILE
};

// nullopt when /proc is not readable (not Linux, or a sandbox without /proc).
std::optional<ProcessStats> ReadProcessStats();

}  // namespace migration::observability
