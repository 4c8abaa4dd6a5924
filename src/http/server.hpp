#pragma once
// The HTTP/1.1 server (Boost.Beast + Asio, C++20 coroutines), split by phase as Beast's examples
// are: server.cpp listens and drains, session.cpp serves one connection's requests in turn,
// dispatch.cpp routes one request and hands its body to the handler. This header is Beast-free:
// only those three files include the heavy headers (through server_io.hpp).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/body_pace.hpp"
#include "http/request_guard.hpp"
#include "http/router.hpp"

namespace migration::http {

struct ServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8000;
  int io_threads = 2;
  int worker_threads = 8;                   // handlers (database, storage) run here, never on I/O threads
  std::chrono::seconds header_timeout{30};  // whole request head must arrive within this
  // How long the body's next bytes may take (idle timeout, minimum rate). The idle timeout also
  // bounds writing a response to a client that does not read; a streamed response (BodyProducer)
  // is held to the whole pacing, its pieces taken like a body's bytes.
  BodyPacing body_pacing;
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
  std::unique_ptr<Impl> impl_;
};

}  // namespace migration::http
