// The listener and the drain (after Beast's async/advanced examples at boost-1.74.0, as
// coroutines): Listen() accepts forever and starts one Session() per connection on its own
// strand (session.cpp); SIGTERM, SIGINT or RequestStop() closes the acceptor and lets in-flight
// requests finish within the grace period.

#include "http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <thread>
#include <vector>

#include "http/server_io.hpp"
#include "http/session.hpp"
#include "observability/log.hpp"

namespace migration::http {

using namespace server_io;  // NOLINT(google-build-using-namespace): the server's own Beast/Asio vocabulary
using observability::LogError;
using observability::LogInfo;

namespace {

// After a failed accept (out of file descriptors or similar), the pause before the next one.
constexpr auto kAcceptRetryPause = std::chrono::milliseconds(50);
// While draining, how often the in-flight count is looked at.
constexpr auto kDrainPollInterval = std::chrono::milliseconds(25);

}  // namespace

struct Server::Impl {
  ServerOptions options;
  ServerState& state;
  net::io_context ioc;
  net::thread_pool workers;
  ServerContext context;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;

  Impl(ServerOptions o, const Router& router, ServerState& s)
      : options(std::move(o)),
        state(s),
        ioc(options.io_threads),
        workers(static_cast<size_t>(options.worker_threads)),
        context{options, router, state, workers},
        acceptor(net::make_strand(ioc)),
        signals(ioc, SIGINT, SIGTERM),
        drain_timer(ioc) {}

  void Bind() {
    const tcp::endpoint endpoint(net::ip::make_address(options.address), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    state.bound_port = acceptor.local_endpoint().port();
  }

  net::awaitable<void> Listen() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;  // stopping
      if (ec) {
        // Log, pause briefly and keep serving the connections already open.
        LogError("accept_failed", {{"error", ec.message()}});
        net::steady_timer pause(ioc, kAcceptRetryPause);
        co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      // The executor first: the order in which arguments are evaluated is unspecified.
      const auto executor = socket.get_executor();
      net::co_spawn(executor, Session(context, std::move(socket)), net::detached);
    }
  }

  // Stop accepting, let in-flight requests finish (up to the grace period), then stop the loop.
  void BeginDrain() {
    if (state.draining.exchange(true)) return;
    LogInfo("server_draining",
            {{"in_flight", state.in_flight.load()}, {"grace_seconds", options.shutdown_grace.count()}});
    net::post(acceptor.get_executor(), [this] {
      beast::error_code ec;
      acceptor.close(ec);
    });
    drain_deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    CheckDrained();
  }

  void CheckDrained() {
    if (state.in_flight.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      if (state.in_flight.load() != 0) LogError("server_drain_deadline", {{"in_flight", state.in_flight.load()}});
      ioc.stop();
      return;
    }
    drain_timer.expires_after(kDrainPollInterval);
    drain_timer.async_wait([this](beast::error_code) { CheckDrained(); });
  }
};

Server::Server(ServerOptions options, const Router& router, ServerState& state)
    : impl_(std::make_unique<Impl>(std::move(options), router, state)) {
  impl_->Bind();
}

Server::~Server() = default;

void Server::RequestStop() {
  net::post(impl_->ioc, [impl = impl_.get()] { impl->BeginDrain(); });
}

void Server::Run() {
  Impl& impl = *impl_;
  impl.signals.async_wait([&impl](beast::error_code ec, int signal) {
    if (ec) return;
    LogInfo("signal_received", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    impl.BeginDrain();
  });
  net::co_spawn(impl.acceptor.get_executor(), impl.Listen(), net::detached);
  LogInfo("server_listening", {{"address", impl.options.address}, {"port", impl.state.bound_port.load()}});

  std::vector<std::thread> threads;
  for (int i = 1; i < impl.options.io_threads; ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : threads) t.join();
  // Let handlers still running on workers finish before their coroutine frames are destroyed
  // (the frames own what the handlers reference). Consumers never finished abort in their
  // destructors, which runs when the io_context is destroyed.
  impl.workers.join();
  LogInfo("server_stopped");
}

}  // namespace migration::http
