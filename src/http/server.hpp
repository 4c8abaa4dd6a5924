#pragma once
// The HTTP/1.1 server (Boost.Beast + Asio, C++20 coroutines). This header is Beast-free: the
// heavy headers live in server.cpp only, the one translation unit that includes them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "http/request_guard.hpp"
#include "http/router.hpp"

namespace migration::http {

struct ServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8000;
  int io_threads = 2;
  int worker_threads = 8;                      // handlers (database, storage) run here, never on I/O threads
  std::chrono::seconds header_timeout{30};     // whole request head must arrive within this
  std::chrono::seconds body_idle_timeout{60};  // each body chunk must arrive within this
  // A body may fall at most `body_rate_window` behind this many bytes per second (0: no minimum),
  // so a client that trickles cannot hold a connection, a spool or a load slot for hours.
  uint64_t min_body_bytes_per_second = 0;
  std::chrono::seconds body_rate_window{60};
  std::chrono::seconds keep_alive_timeout{75};  // idle connection between requests
  std::chrono::seconds shutdown_grace{25};      // in-flight requests get this long after SIGTERM
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t max_header_fields = 100;
  int max_connections = 1024;     // beyond this a new connection gets 503 and is closed
  RequestGuard* guard = nullptr;  // auth, rate limit, CORS (api/access/access_guard.hpp); null: open
};

// Shared, lock-free facts about the server that handlers may read (e.g. /readyz).
struct ServerState {
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::atomic<uint16_t> bound_port{0};
  std::atomic<int> connections{0};
};

// Serves `router` until SIGTERM/SIGINT (or RequestStop()), then stops accepting, lets in-flight
// requests finish within the grace period and returns. Throws on bind failure.
class Server {
 public:
  Server(ServerOptions options, const Router& router, ServerState& state);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Run();
  void RequestStop();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace migration::http
