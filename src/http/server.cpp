// The only translation unit that includes Boost.Beast and Asio: listener, session and the
// hop from I/O threads to worker threads. Everything protocol-independent lives elsewhere.
//
// Shape (after Beast's async/advanced examples at boost-1.74.0, as coroutines):
//   Listen()  accepts forever, one Session() coroutine per connection, each on its own strand;
//   Session() reads a request head, routes it, streams or buffers the body, writes the response;
//   OnWorkers() runs blocking handler code on the worker pool and resumes on the session's strand.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include "http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/problem.hpp"
#include "observability/log.hpp"
#include "observability/service_metrics.hpp"

namespace migration::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using observability::LogError;
using observability::LogInfo;
using observability::LogWarn;

constexpr size_t kBodyChunkBytes = 256 * 1024;
constexpr size_t kReadBufferReserve = 64 * 1024;  // else flat_buffer reads ~512 B at a time (100 MB: 195k reads)
// What the connection's read buffer may hold beyond the request head. Body bytes leave it for the
// body chunk as they are parsed, so it only ever holds one read's worth of them; what it must not
// do is grow without bound while Beast 1.74's parser waits for the end of a chunk-size line, of
// chunk extensions or of the trailers (it limits none of them). Past this the read fails with
// buffer_overflow and the request gets a 400.
constexpr size_t kReadBufferSlack = 64 * 1024;

// Runs `f` on the worker pool; the awaiting coroutine resumes on its own executor with the
// result, or with the exception `f` threw. This is how handlers may block without stalling I/O.
template <typename F>
net::awaitable<std::invoke_result_t<F>> OnWorkers(net::thread_pool& pool, F f) {
  using Result = std::invoke_result_t<F>;
  auto initiation = [&pool, f = std::move(f)](auto handler) mutable {
    net::post(pool, [f = std::move(f), handler = std::move(handler)]() mutable {
      std::exception_ptr error;
      Result result{};
      try {
        result = f();
      } catch (...) {
        error = std::current_exception();
      }
      auto executor = net::get_associated_executor(handler);
      net::post(executor, [handler = std::move(handler), error, result = std::move(result)]() mutable {
        handler(error, std::move(result));
      });
    });
  };
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(std::exception_ptr, Result)>(
      std::move(initiation), net::use_awaitable);
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

// A client's X-Request-Id is kept when it is short and plain, so traces join up across services.
bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

Response ToProblem(const std::exception_ptr& error, const Request& request) {
  try {
    std::rethrow_exception(error);
  } catch (const core::Error& e) {
    return Problem(e.code(), e.detail(), request.path);
  } catch (const std::exception& e) {
    LogError("unhandled_error", {{"request_id", request.request_id}, {"error", e.what()}});
    return Problem(core::ErrorCode::kInternal, "an unexpected error occurred; the request id is in X-Request-Id",
                   request.path);
  }
}

// Runs a handler, turning any exception into a problem+json response.
template <typename F>
Response Guarded(const Request& request, F&& f) {
  try {
    return f();
  } catch (...) {
    return ToProblem(std::current_exception(), request);
  }
}

struct InFlight {
  explicit InFlight(ServerState& s) : state(s) { ++state.in_flight; }
  ~InFlight() { --state.in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ServerState& state;
};

// Counts open connections for the max_connections cap.
struct OpenConnection {
  explicit OpenConnection(ServerState& s) : state(s), count(++state.connections) {}
  ~OpenConnection() { --state.connections; }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;
  ServerState& state;
  int count;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  ServerState& state;
  net::io_context ioc;
  net::thread_pool workers;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;

  Impl(ServerOptions o, const Router& r, ServerState& s)
      : options(std::move(o)),
        router(r),
        state(s),
        ioc(options.io_threads),
        workers(static_cast<size_t>(options.worker_threads)),
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
        // Out of file descriptors or similar: log, pause briefly and keep serving the others.
        LogError("accept_failed", {{"error", ec.message()}});
        net::steady_timer pause(ioc, std::chrono::milliseconds(50));
        co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      // The executor first: the order in which arguments are evaluated is unspecified.
      const auto executor = socket.get_executor();
      net::co_spawn(executor, Session(std::move(socket)), net::detached);
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
    drain_timer.expires_after(std::chrono::milliseconds(25));
    drain_timer.async_wait([this](beast::error_code) { CheckDrained(); });
  }

  net::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    const OpenConnection open_connection(state);
    if (open_connection.count > options.max_connections) {
      // Shed load at the door rather than queue without bound: the client retries later.
      co_await WriteBare(stream, 503, "the server has too many open connections; retry shortly", RemoteAddress(stream));
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    beast::flat_buffer buffer(options.max_header_bytes + kReadBufferSlack);
    buffer.reserve(kReadBufferReserve);
    const std::string remote = RemoteAddress(stream);
    bool first = true;
    for (;;) {
      bhttp::request_parser<bhttp::buffer_body> parser;
      parser.header_limit(options.max_header_bytes);
      // Limits are per route and checked by us; Beast's own limit must not interfere
      // (body_limit(none) is broken in Boost 1.74, every request with a Content-Length fails: the
      // maximum instead).
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      stream.expires_after(first ? options.header_timeout : options.keep_alive_timeout);
      first = false;
      beast::error_code ec;
      co_await bhttp::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
          co_await WriteBare(stream, 431, "request header fields too large", remote);
        } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
                   ec != net::error::operation_aborted && ec != net::error::connection_reset && ec != net::error::eof) {
          co_await WriteBare(stream, 400, "malformed HTTP request: " + ec.message(), remote);
        }
        break;
      }
      stream.expires_never();
      if (static_cast<size_t>(std::distance(parser.get().begin(), parser.get().end())) > options.max_header_fields) {
        co_await WriteBare(stream, 431, "too many request header fields", remote);
        break;
      }
      InFlight in_flight(state);
      const auto started = std::chrono::steady_clock::now();
      Request request = MakeRequest(parser.get(), remote);
      bool body_complete = false;
      Response response = co_await Dispatch(stream, buffer, parser, request, body_complete);
      if (response.status == 0) break;  // the body broke off: nothing to answer, connection gone
      const bool keep_alive = parser.get().keep_alive() && body_complete && !state.draining.load();
      const uint64_t bytes_out = response.body.size();
      const int status = response.status;
      const bool ok = co_await Write(stream, request, std::move(response), keep_alive);
      LogAccess(request, started, status, bytes_out, ok);
      if (!ok || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Request MakeRequest(const bhttp::request<bhttp::buffer_body>& head, const std::string& remote) {
    Request request;
    request.method = std::string(head.method_string());
    request.target = std::string(head.target());
    request.remote_address = remote;
    for (const auto& field : head) {
      request.headers.emplace_back(core::AsciiLower(field.name_string()), std::string(field.value()));
    }
    const auto id = request.Header("x-request-id");
    request.request_id = id && AcceptableRequestId(*id) ? std::string(*id) : NewRequestId();
    if (const auto length = request.Header("content-length")) {
      uint64_t value = 0;
      if (std::from_chars(length->data(), length->data() + length->size(), value).ec == std::errc()) {
        request.content_length = value;
      }
    }
    return request;
  }

  // Routes the request and produces its response. Sets `body_complete` when the whole request body
  // was read (only then can the connection carry another request). Status 0: no response possible.
  net::awaitable<Response> Dispatch(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    bhttp::request_parser<bhttp::buffer_body>& parser, Request& request,
                                    bool& body_complete) {
    body_complete = parser.is_done();
    if (!ParseTarget(request.target, request.path, request.query)) {
      co_return Problem(core::ErrorCode::kBadRequest, "the request target is not a valid path", request.target);
    }
    const auto match = router.Find(request.method, request.path);
    if (options.guard != nullptr) {
      if (auto refused = options.guard->Admit(request, match.route)) co_return std::move(*refused);
    }
    if (match.route == nullptr) {
      if (match.path_matched) {
        co_return Problem(core::ErrorCode::kMethodNotAllowed,
                          fmt::format("{} is not allowed on {}", request.method, request.path), request.path);
      }
      co_return Problem(core::ErrorCode::kNotFound, fmt::format("no route for {} {}", request.method, request.path),
                        request.path);
    }
    const Route& route = *match.route;
    request.path_params = match.params;
    if (request.content_length && *request.content_length > route.body_limit) {
      co_return Problem(core::ErrorCode::kPayloadTooLarge,
                        fmt::format("the body is {} bytes; this route takes at most {} bytes", *request.content_length,
                                    route.body_limit),
                        request.path);
    }
    if (!parser.is_done()) {
      if (const auto expect = request.Header("expect"); expect && beast::iequals(*expect, "100-continue")) {
        // curl waits a second for this before sending a large body.
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        beast::error_code ec;
        co_await bhttp::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return Response{0, {}, {}, {}};
      }
    }
    if (route.buffered) {
      co_return co_await DispatchBuffered(stream, buffer, parser, request, route, body_complete);
    }
    co_return co_await DispatchStreaming(stream, buffer, parser, request, route, body_complete);
  }

  // How a body is arriving: since when and how many bytes so far, for the minimum rate.
  struct BodyPace {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    uint64_t received = 0;
  };

  // What one ReadChunk() brought: `bytes` of body, or why there are none (`bytes` empty). When
  // `refusal` is set, the connection still works and the client gets it as the answer.
  struct BodyRead {
    std::optional<size_t> bytes;
    std::string why;
    std::optional<Response> refusal;
  };

  // The latest moment more body bytes may arrive: the idle timeout, or sooner when the body would
  // then be a whole window behind the minimum rate (`rate_bound` tells which).
  std::chrono::steady_clock::time_point NextBytesDeadline(const BodyPace& pace, bool& rate_bound) const {
    using std::chrono::steady_clock;
    auto deadline = steady_clock::now() + options.body_idle_timeout;
    rate_bound = false;
    if (options.min_body_bytes_per_second > 0) {
      const std::chrono::duration<double> earned(static_cast<double>(pace.received) /
                                                 static_cast<double>(options.min_body_bytes_per_second));
      const auto due =
          pace.started + options.body_rate_window + std::chrono::duration_cast<steady_clock::duration>(earned);
      if (due < deadline) {
        deadline = due;
        rate_bound = true;
      }
    }
    return deadline;
  }

  // Reads the next piece of the body into `chunk`: what one socket read brought (a fast client
  // fills it up to 64 KiB at a time), so a slow client's bytes reach the consumer as they come.
  net::awaitable<BodyRead> ReadChunk(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     bhttp::request_parser<bhttp::buffer_body>& parser, std::vector<char>& chunk,
                                     BodyPace& pace, const Request& request) {
    auto& body = parser.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    const uint64_t before = pace.received;
    BodyRead result;
    // One socket read at a time, so the deadline follows the bytes as they come: expires_at is a
    // deadline, not an idle timeout, and must be re-armed.
    while (body.size == chunk.size() && !parser.is_done()) {
      bool rate_bound = false;
      stream.expires_at(NextBytesDeadline(pace, rate_bound));
      beast::error_code ec;
      co_await bhttp::async_read_some(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      stream.expires_never();
      pace.received = before + (chunk.size() - body.size);
      if (ec == bhttp::error::need_buffer) break;  // chunk full: not an error
      if (!ec) continue;
      if (ec == bhttp::error::buffer_overflow) {
        result.why = "a chunk-size line, chunk extensions or trailers too long";
        result.refusal = Problem(core::ErrorCode::kBadRequest,
                                 fmt::format("a chunk-size line with its extensions, or the trailer section, is over "
                                             "{} bytes",
                                             kReadBufferSlack),
                                 request.path);
      } else if (ec == beast::error::timeout && rate_bound) {
        result.why = fmt::format("the client sent the body slower than {} bytes per second for more than {} s",
                                 options.min_body_bytes_per_second, options.body_rate_window.count());
        LogWarn("upload_too_slow", {{"request_id", request.request_id},
                                    {"path", request.path},
                                    {"remote", request.remote_address},
                                    {"bytes_received", pace.received}});
      } else if (ec == beast::error::timeout) {
        result.why = "the client sent no body data for too long";
      } else {
        result.why = "the client closed the connection";
      }
      co_return result;
    }
    result.bytes = chunk.size() - body.size;
    co_return result;
  }

  net::awaitable<Response> DispatchBuffered(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                            bhttp::request_parser<bhttp::buffer_body>& parser, Request& request,
                                            const Route& route, bool& body_complete) {
    std::vector<char> chunk(64 * 1024);
    BodyPace pace;
    while (!parser.is_done()) {
      BodyRead read = co_await ReadChunk(stream, buffer, parser, chunk, pace, request);
      if (read.refusal) co_return std::move(*read.refusal);
      const auto n = read.bytes;
      if (!n) co_return Response{0, {}, {}, {}};
      if (request.body.size() + *n > route.body_limit) {
        co_return Problem(core::ErrorCode::kPayloadTooLarge,
                          fmt::format("the body is over this route's limit of {} bytes", route.body_limit),
                          request.path);
      }
      request.body.append(chunk.data(), *n);
    }
    body_complete = true;
    co_return co_await OnWorkers(workers, [&] { return Guarded(request, [&] { return route.buffered(request); }); });
  }

  net::awaitable<Response> DispatchStreaming(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             bhttp::request_parser<bhttp::buffer_body>& parser, Request& request,
                                             const Route& route, bool& body_complete) {
    std::shared_ptr<BodyConsumer> consumer;
    Response early = co_await OnWorkers(workers, [&] {
      return Guarded(request, [&] {
        consumer = route.streaming(request);
        return Response{};
      });
    });
    if (!consumer) co_return early;
    Response response = co_await StreamBody(stream, buffer, parser, request, route, *consumer, body_complete);
    // Whatever the consumer still holds goes with it: a load's transaction (ROLLBACK), a pooled
    // connection, the UPDATE that records a failure, an S3 multipart abort with its retries. All of
    // it blocks, so it runs on a worker, never on this I/O thread.
    co_await OnWorkers(workers, [&consumer] {
      consumer.reset();
      return true;
    });
    co_return response;
  }

  // Hands the body to `consumer` chunk by chunk (on workers) and returns its response.
  net::awaitable<Response> StreamBody(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                      bhttp::request_parser<bhttp::buffer_body>& parser, Request& request,
                                      const Route& route, BodyConsumer& consumer, bool& body_complete) {
    auto abort = [&consumer](const std::string& why) {
      try {
        consumer.Abort(why);
      } catch (const std::exception& e) {
        LogError("body_abort_failed", {{"error", e.what()}});
      }
      return true;
    };
    std::vector<char> chunk(kBodyChunkBytes);
    BodyPace pace;
    while (!parser.is_done()) {
      BodyRead read = co_await ReadChunk(stream, buffer, parser, chunk, pace, request);
      if (!read.bytes) {
        co_await OnWorkers(workers, [&] { return abort(read.why); });
        if (read.refusal) co_return std::move(*read.refusal);
        co_return Response{0, {}, {}, {}};
      }
      const size_t n = *read.bytes;
      if (pace.received > route.body_limit) {
        co_await OnWorkers(workers, [&] { return abort("body over the route's limit"); });
        co_return Problem(core::ErrorCode::kPayloadTooLarge,
                          fmt::format("the body is over this route's limit of {} bytes", route.body_limit),
                          request.path);
      }
      if (n == 0) continue;
      std::exception_ptr failed;
      co_await OnWorkers(workers, [&] {
        try {
          consumer.Consume(std::string_view(chunk.data(), n));
        } catch (...) {
          failed = std::current_exception();
          // The load's record says why it failed: the database's or the reader's own words.
          std::string reason = "the body could not be processed";
          try {
            std::rethrow_exception(failed);
          } catch (const core::Error& e) {
            reason = e.detail();
          } catch (const std::exception& e) {
            reason = e.what();
          } catch (...) {
          }
          abort(reason);
        }
        return true;
      });
      if (failed) co_return ToProblem(failed, request);
    }
    body_complete = true;
    co_return co_await OnWorkers(workers, [&] { return Guarded(request, [&] { return consumer.Finish(); }); });
  }

  net::awaitable<bool> Write(beast::tcp_stream& stream, const Request& request, Response response, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
    res.set(bhttp::field::server, "migration-api");
    res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request.request_id);
    if (options.guard != nullptr) options.guard->Decorate(request, response);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    const bool head = request.method == "HEAD";
    if (!head) res.body() = std::move(response.body);
    res.prepare_payload();
    if (head) res.content_length(response.body.size());
    stream.expires_after(options.body_idle_timeout);
    beast::error_code ec;
    co_await bhttp::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    stream.expires_never();
    co_return !ec;
  }

  static std::string RemoteAddress(beast::tcp_stream& stream) {
    beast::error_code ec;
    const auto endpoint = stream.socket().remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
  }

  // Answers without routing (over the connection cap, malformed head, header too large) and
  // closes. Logged and counted like any request, under the route "refused", so an operator sees
  // shed load and abusive clients on the same dashboard.
  net::awaitable<void> WriteBare(beast::tcp_stream& stream, int status, const std::string& detail, std::string remote) {
    Request request;
    request.request_id = NewRequestId();
    request.remote_address = std::move(remote);
    const auto started = std::chrono::steady_clock::now();
    const core::ErrorCode code = status == 503 ? core::ErrorCode::kUnavailable : core::ErrorCode::kBadRequest;
    Response response = Problem(code, detail, "");
    response.status = status;
    const uint64_t bytes_out = response.body.size();
    const bool ok = co_await Write(stream, request, std::move(response), false);
    LogAccess(request, started, status, bytes_out, ok, kRefusedRoute);
  }

  // One log line and the metrics of a request. The route is the matched pattern ("POST
  // /v1/{table}/upload"), never the raw path, so the metric labels stay a small fixed set.
  static constexpr std::string_view kRefusedRoute = "refused";

  void LogAccess(const Request& request, std::chrono::steady_clock::time_point started, int status, uint64_t bytes_out,
                 bool ok, std::string_view fixed_route = {}) {
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const Route* route = fixed_route.empty() ? router.Find(request.method, request.path).route : nullptr;
    const std::string_view route_name = !fixed_route.empty() ? fixed_route
                                        : route != nullptr   ? std::string_view(route->name)
                                                             : "unmatched";
    const uint64_t bytes_in = request.content_length.value_or(request.body.size());
    observability::RecordRequest(route_name, status, elapsed, bytes_in, bytes_out);
    LogInfo("request",
            {{"request_id", request.request_id},
             {"method", request.method},
             {"route", route_name},
             {"path", request.path},
             {"status", status},
             {"bytes_in", bytes_in},
             {"bytes_out", bytes_out},
             {"duration_ms", std::round(elapsed * 1e6) / 1000},
             {"key", request.principal.empty() ? nlohmann::json(nullptr) : nlohmann::json(request.principal)},
             {"remote", request.remote_address},
             {"completed", ok}});
  }
};

Server::Server(ServerOptions options, const Router& router, ServerState& state)
    : impl_(new Impl(std::move(options), router, state)) {
  impl_->Bind();
}

Server::~Server() { delete impl_; }

void Server::RequestStop() {
  net::post(impl_->ioc, [impl = impl_] { impl->BeginDrain(); });
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
  // destructors, which runs when the io_context below is destroyed.
  impl.workers.join();
  LogInfo("server_stopped");
}

}  // namespace migration::http
