#include "http/session.hpp"

#include <boost/asio/redirect_error.hpp>

#include <charconv>
#include <limits>

#include "core/text.hpp"
#include "http/access_log.hpp"
#include "http/dispatch.hpp"
#include "http/problem.hpp"
#include "http/request_id.hpp"

namespace migration::http::server_io {
namespace {

// Else flat_buffer reads ~512 B at a time (a 100 MB body: 195,000 reads).
constexpr size_t kReadBufferReserve = 64 * 1024;
constexpr std::string_view kServerName = "migration-api";

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

std::string RemoteAddress(beast::tcp_stream& stream) {
  beast::error_code ec;
  const auto endpoint = stream.socket().remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
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

// One connection's requests, in turn.
class Connection {
 public:
  Connection(const ServerContext& context, tcp::socket socket)
      : context_(context), stream_(std::move(socket)), remote_(RemoteAddress(stream_)) {}

  net::awaitable<void> Serve() {
    const OpenConnection open_connection(context_.state);
    if (open_connection.count > context_.options.max_connections) {
      // Shed load at the door rather than queue without bound: the client retries later.
      co_await WriteRefusal(503, "the server has too many open connections; retry shortly");
    } else {
      buffer_.reserve(kReadBufferReserve);
      for (bool first = true; co_await ServeOne(first); first = false) {
      }
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  // Reads one request head and answers it. True: the connection may carry another request.
  net::awaitable<bool> ServeOne(bool first) {
    RequestParser parser;
    parser.header_limit(context_.options.max_header_bytes);
    // Limits are per route and checked by dispatch; Beast's own limit must not interfere
    // (body_limit(none) is broken in Boost 1.74, every request with a Content-Length fails: the
    // maximum instead).
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(first ? context_.options.header_timeout : context_.options.keep_alive_timeout);
    beast::error_code ec;
    co_await bhttp::async_read_header(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
    stream_.expires_never();
    if (ec) {
      if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        co_await WriteRefusal(431, "request header fields too large");
      } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
                 ec != net::error::operation_aborted && ec != net::error::connection_reset && ec != net::error::eof) {
        co_await WriteRefusal(400, "malformed HTTP request: " + ec.message());
      }
      co_return false;
    }
    if (static_cast<size_t>(std::distance(parser.get().begin(), parser.get().end())) >
        context_.options.max_header_fields) {
      co_await WriteRefusal(431, "too many request header fields");
      co_return false;
    }
    const InFlight in_flight(context_.state);
    const auto started = std::chrono::steady_clock::now();
    Request request = MakeRequest(parser.get(), remote_);
    Dispatched dispatched = co_await Dispatch(context_, stream_, buffer_, parser, request);
    if (!dispatched.response) co_return false;  // the body broke off: nothing to answer, connection gone
    const bool keep_alive = parser.get().keep_alive() && dispatched.body_complete && !context_.state.draining.load();
    const uint64_t bytes_out = dispatched.response->body.size();
    const int status = dispatched.response->status;
    const bool written = co_await Write(request, std::move(*dispatched.response), keep_alive);
    LogAccess(request, dispatched.route, status, bytes_out, written, started);
    co_return written&& keep_alive;
  }

  net::awaitable<bool> Write(const Request& request, Response response, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), kHttp11};
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request.request_id);
    if (context_.options.guard != nullptr) context_.options.guard->Decorate(request, response);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    const bool head = request.method == "HEAD";
    if (!head) res.body() = std::move(response.body);
    res.prepare_payload();
    if (head) res.content_length(response.body.size());
    // A client that does not read its response holds the connection no longer than one idle body wait.
    stream_.expires_after(context_.options.body_pacing.idle_timeout);
    beast::error_code ec;
    co_await bhttp::async_write(stream_, res, net::redirect_error(net::use_awaitable, ec));
    stream_.expires_never();
    co_return !ec;
  }

  // Answers without routing (over the connection cap, malformed head, header too large); the
  // connection closes after. Logged and counted like any request, under kRefusedRoute.
  net::awaitable<void> WriteRefusal(int status, const std::string& detail) {
    Request request;
    request.request_id = NewRequestId();
    request.remote_address = remote_;
    const auto started = std::chrono::steady_clock::now();
    const core::ErrorCode code = status == 503 ? core::ErrorCode::kUnavailable : core::ErrorCode::kBadRequest;
    Response response = Problem(code, detail, "");
    response.status = status;
    const uint64_t bytes_out = response.body.size();
    const bool written = co_await Write(request, std::move(response), false);
    LogAccess(request, kRefusedRoute, status, bytes_out, written, started);
  }

  const ServerContext& context_;
  beast::tcp_stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_{context_.options.max_header_bytes + kReadBufferSlack};
};

}  // namespace

net::awaitable<void> Session(const ServerContext& context, tcp::socket socket) {
  Connection connection(context, std::move(socket));
  co_await connection.Serve();
}

}  // namespace migration::http::server_io
