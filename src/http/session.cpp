#include "http/session.hpp"

#include <boost/asio/redirect_error.hpp>

#include <charconv>
#include <limits>

#include "core/text.hpp"
#include "http/access_log.hpp"
#include "http/body_pace.hpp"
#include "http/dispatch.hpp"
#include "http/problem.hpp"
#include "http/request_id.hpp"
#include "http/trace_context.hpp"
#include "observability/log.hpp"

namespace migration::http::server_io {
namespace {

// Else flat_buffer reads ~512 B at a time (a 100 MB body: 195,000 reads).
constexpr size_t kReadBufferReserve = 64 * 1024;
constexpr std::string_view kServerName = "migration-api";

using observability::LogError;
using observability::LogWarn;

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
  request.trace = TraceFromHeaders(request.Header("traceparent"), request.Header("x-amzn-trace-id"));
  if (const auto length = request.Header("content-length")) {
    uint64_t value = 0;
    if (std::from_chars(length->data(), length->data() + length->size(), value).ec == std::errc()) {
      request.content_length = value;
    }
  }
  return request;
}

// How a response went out: whole, and how many body bytes the client was sent.
struct Written {
  bool complete = false;
  uint64_t bytes = 0;
};

// What one BodyProducer::Next() call brought back from its worker.
struct Produced {
  bool more = false;
  std::exception_ptr error;
};

std::string ExceptionText(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
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
    const int status = dispatched.response->status;
    Written written;
    if (dispatched.response->producer) {
      written = co_await WriteStreamed(request, std::move(*dispatched.response), keep_alive);
    } else {
      written = co_await Write(request, std::move(*dispatched.response), keep_alive);
    }
    LogAccess(request, dispatched.route, status, written.bytes, written.complete, started);
    co_return written.complete&& keep_alive;
  }

  // The head every response shares: server, content type, request id, the guard's headers (CORS).
  template <class Body>
  void SetHead(bhttp::response<Body>& res, const Request& request, Response& response, bool keep_alive) const {
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request.request_id);
    // The trace goes back with this server's span as the parent of what the client does next.
    if (!request.trace.trace_id.empty()) {
      res.set("traceparent", TraceparentHeader(request.trace));
      res.set("X-Amzn-Trace-Id", AmznTraceIdHeader(request.trace));
    }
    if (context_.options.guard != nullptr) context_.options.guard->Decorate(request, response);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
  }

  net::awaitable<Written> Write(const Request& request, Response response, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), kHttp11};
    SetHead(res, request, response, keep_alive);
    const bool head = request.method == "HEAD";
    const uint64_t bytes = response.body.size();
    if (!head) res.body() = std::move(response.body);
    res.prepare_payload();
    if (head) res.content_length(bytes);
    // A client that does not read its response holds the connection no longer than one idle body wait.
    stream_.expires_after(context_.options.body_pacing.idle_timeout);
    beast::error_code ec;
    co_await bhttp::async_write(stream_, res, net::redirect_error(net::use_awaitable, ec));
    stream_.expires_never();
    co_return Written{!ec, bytes};
  }

  // A producer's body with chunked transfer-encoding (Beast's buffer_body, as its send_cgi_response
  // example at boost-1.74.0 does): each piece is made on a worker, then written, and only then is
  // the next one asked for, so the response holds one piece whatever the body's size.
  net::awaitable<Written> WriteStreamed(const Request& request, Response response, bool keep_alive) {
    std::shared_ptr<BodyProducer> producer = std::move(response.producer);
    bhttp::response<bhttp::buffer_body> res{static_cast<bhttp::status>(response.status), kHttp11};
    SetHead(res, request, response, keep_alive);
    res.chunked(true);
    res.body().data = nullptr;
    res.body().more = request.method != "HEAD";
    bhttp::response_serializer<bhttp::buffer_body> serializer{res};
    // The client is held to the same pace as a request body: each piece within the idle timeout,
    // and the whole no more than a window behind the minimum rate. A reader that stops is dropped.
    BodyPace pace;
    stream_.expires_at(NextBodyDeadline(context_.options.body_pacing, pace, std::chrono::steady_clock::now()).at);
    beast::error_code ec;
    co_await bhttp::async_write_header(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
    stream_.expires_never();
    bool complete = !ec;
    if (complete && res.body().more) complete = co_await WritePieces(request, res, serializer, *producer, pace);
    // Whatever the producer still holds goes with it, on a worker: it may be database state.
    co_await OnWorkersFor(context_.workers, request, [&producer] {
      producer.reset();
      return true;
    });
    co_return Written{complete, pace.received};
  }

  // False: the response broke off (client too slow or gone, producer failed); the connection must
  // close without the last chunk, so the client cannot take a truncated body for a whole one.
  net::awaitable<bool> WritePieces(const Request& request, bhttp::response<bhttp::buffer_body>& res,
                                   bhttp::response_serializer<bhttp::buffer_body>& serializer, BodyProducer& producer,
                                   BodyPace& pace) {
    std::string piece;
    piece.reserve(BodyProducer::kPieceBytes);
    for (;;) {
      piece.clear();
      const auto asked = std::chrono::steady_clock::now();
      const Produced produced = co_await OnWorkersFor(context_.workers, request, [&]() {
        Produced result;
        try {
          result.more = producer.Next(piece);
        } catch (...) {
          result.error = std::current_exception();
        }
        return result;
      });
      // The client's pace counts the time it keeps the server waiting, not the time spent making pieces.
      pace.started += std::chrono::steady_clock::now() - asked;
      if (produced.error) {
        LogError("response_stream_failed", {{"request_id", request.request_id},
                                            {"path", request.path},
                                            {"bytes_sent", pace.received},
                                            {"error", ExceptionText(produced.error)}});
        co_return false;
      }
      if (!produced.more) break;
      if (piece.empty()) continue;
      res.body().data = piece.data();
      res.body().size = piece.size();
      if (!co_await WritePiece(request, serializer, pace, piece.size())) co_return false;
    }
    res.body().data = nullptr;
    res.body().size = 0;
    res.body().more = false;
    co_return co_await WritePiece(request, serializer, pace, 0);  // the last chunk
  }

  net::awaitable<bool> WritePiece(const Request& request, bhttp::response_serializer<bhttp::buffer_body>& serializer,
                                  BodyPace& pace, size_t size) {
    // The piece in flight counts as taken: a client reading at exactly the minimum rate finishes it
    // before the deadline, one that stops reading meets the idle timeout.
    pace.received += size;
    const BodyDeadline deadline =
        NextBodyDeadline(context_.options.body_pacing, pace, std::chrono::steady_clock::now());
    stream_.expires_at(deadline.at);
    beast::error_code ec;
    co_await bhttp::async_write(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
    stream_.expires_never();
    if (!ec || ec == bhttp::error::need_buffer) co_return true;  // need_buffer: the piece is written
    pace.received -= size;
    if (ec == beast::error::timeout) {
      LogWarn("response_reader_too_slow", {{"request_id", request.request_id},
                                           {"path", request.path},
                                           {"remote", request.remote_address},
                                           {"bytes_sent", pace.received},
                                           {"rate_bound", deadline.rate_bound}});
    }
    co_return false;
  }

  // Answers without routing (over the connection cap, malformed head, header too large); the
  // connection closes after. Logged and counted like any request, under kRefusedRoute.
  net::awaitable<void> WriteRefusal(int status, const std::string& detail) {
    Request request;
    request.request_id = NewRequestId();
    request.trace = NewTrace();
    request.remote_address = remote_;
    const auto started = std::chrono::steady_clock::now();
    const core::ErrorCode code = status == 503 ? core::ErrorCode::kUnavailable : core::ErrorCode::kBadRequest;
    Response response = Problem(code, detail, "");
    response.status = status;
    const Written written = co_await Write(request, std::move(response), false);
    LogAccess(request, kRefusedRoute, status, written.bytes, written.complete, started);
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
