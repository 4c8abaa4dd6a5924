#pragma once
// What a database connection pool reports about itself (GET /metrics reads it at scrape time).

#include <cstddef>
#include <cstdint>

namespace migration::db {

struct ConnectionPoolStats {
  size_t capacity = 0;      // most connections the pool will open
  size_t in_use = 0;        // leased now (including ones being connected)
  size_t idle = 0;          // open and waiting in the pool
  size_t waiting = 0;       // callers blocked in Acquire() now
  uint64_t acquires = 0;    // leases handed out since start
  uint64_t timeouts = 0;    // Acquire() calls that gave up (the request got 503)
  double wait_seconds = 0;  // total time callers spent blocked in Acquire()
};

}  // namespace migration::db
