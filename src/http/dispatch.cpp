#include "http/dispatch.hpp"

#include <boost/asio/redirect_error.hpp>
#include <fmt/format.h>

#include <memory>
#include <vector>

#include "core/error.hpp"
#include "http/access_log.hpp"
#include "http/body_pace.hpp"
#include "http/problem.hpp"
#include "observability/log.hpp"

namespace migration::http::server_io {
namespace {

using observability::LogError;
using observability::LogWarn;

// A buffered route's body is read this much at a time (it is capped by the route's limit anyway).
constexpr size_t kBufferedChunkBytes = 64 * 1024;
// A streaming route's consumer gets at most this much per call: big enough that a fast upload
// costs few hops to a worker, small enough that a slow client's bytes reach it as they come.
constexpr size_t kStreamingChunkBytes = 256 * 1024;

// Runs a handler, turning any exception into a problem+json response.
template <typename F>
Response Guarded(const Request& request, F&& f) {
  try {
    return f();
  } catch (...) {
    return ProblemFromException(std::current_exception(), request);
  }
}

// The words a load's record keeps for why its body failed: the database's or the reader's own.
std::string FailureReason(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const core::Error& e) {
    return e.detail();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "the body could not be processed";
  }
}

Response TooLarge(const Request& request, uint64_t limit) {
  return Problem(core::ErrorCode::kPayloadTooLarge,
                 fmt::format("the body is over this route's limit of {} bytes", limit), request.path);
}

// The parameter is cut to a bound: the answer never echoes a whole hostile query.
Response UnknownParameter(const std::string& name, const http::Route& route, const std::string& instance) {
  constexpr size_t kMaxEchoedName = 64;
  std::string accepted;
  for (const auto& known : route.query) accepted += (accepted.empty() ? "" : ", ") + known;
  return Problem(core::ErrorCode::kBadRequest,
                 fmt::format("unknown query parameter \"{}\"; {} takes {}", name.substr(0, kMaxEchoedName), route.name,
                             accepted.empty() ? "none" : accepted),
                 instance);
}

// What one ReadChunk() brought: `bytes` of body, or why there are none (`bytes` empty). When
// `refusal` is set, the connection still works and the client gets it as the answer.
struct BodyRead {
  std::optional<size_t> bytes;
  std::string why;
  std::optional<Response> refusal;
};

// One request's trip from its head to its response.
class RequestDispatch {
 public:
  RequestDispatch(const ServerContext& context, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                  RequestParser& parser, Request& request)
      : context_(context), stream_(stream), buffer_(buffer), parser_(parser), request_(request) {}

  net::awaitable<Dispatched> Run() {
    result_.body_complete = parser_.is_done();
    result_.response = co_await Answer();
    co_return std::move(result_);
  }

 private:
  // Target, access guard, route, declared size, 100-continue; then the body, as the route takes it.
  net::awaitable<std::optional<Response>> Answer() {
    if (!ParseTarget(request_.target, request_.path, request_.query)) {
      co_return Problem(core::ErrorCode::kBadRequest, "the request target is not a valid path", request_.target);
    }
    const auto match = context_.router.Find(request_.method, request_.path);
    if (match.route != nullptr) result_.route = match.route->name;
    if (context_.options.guard != nullptr) {
      if (auto refused = context_.options.guard->Admit(request_, match.route)) co_return std::move(*refused);
    }
    if (match.route == nullptr) {
      if (match.path_matched) {
        co_return Problem(core::ErrorCode::kMethodNotAllowed,
                          fmt::format("{} is not allowed on {}", request_.method, request_.path), request_.path);
      }
      co_return Problem(core::ErrorCode::kNotFound, fmt::format("no route for {} {}", request_.method, request_.path),
                        request_.path);
    }
    const http::Route& route = *match.route;
    request_.path_params = match.params;
    if (const auto unknown = UnknownQueryParameter(request_, route))
      co_return UnknownParameter(*unknown, route, request_.path);
    if (const auto repeated = RepeatedQueryParameter(request_, route)) {
      co_return Problem(core::ErrorCode::kBadRequest,
                        fmt::format("query parameter \"{}\" is given more than once; give it once", *repeated),
                        request_.path);
    }
    if (request_.content_length && *request_.content_length > route.body_limit) {
      co_return Problem(core::ErrorCode::kPayloadTooLarge,
                        fmt::format("the body is {} bytes; this route takes at most {} bytes", *request_.content_length,
                                    route.body_limit),
                        request_.path);
    }
    if (!co_await SendContinueIfAsked()) co_return std::nullopt;
    if (route.buffered) co_return co_await Buffered(route);
    co_return co_await Streaming(route);
  }

  // curl waits a second for "100 Continue" before it sends a large body. False: the write failed.
  net::awaitable<bool> SendContinueIfAsked() {
    const auto expect = request_.Header("expect");
    if (parser_.is_done() || !expect || !beast::iequals(*expect, "100-continue")) co_return true;
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, kHttp11};
    beast::error_code ec;
    co_await bhttp::async_write(stream_, cont, net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
  }

  // Reads the next piece of the body into `chunk`: what one socket read brought (a fast client
  // fills it up to 64 KiB at a time), so a slow client's bytes reach the consumer as they come.
  net::awaitable<BodyRead> ReadChunk(std::vector<char>& chunk) {
    auto& body = parser_.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    const uint64_t before = pace_.received;
    BodyRead result;
    // One socket read at a time, so the deadline follows the bytes as they come: expires_at is a
    // deadline, not an idle timeout, and must be re-armed.
    while (body.size == chunk.size() && !parser_.is_done()) {
      const BodyDeadline deadline =
          NextBodyDeadline(context_.options.body_pacing, pace_, std::chrono::steady_clock::now());
      stream_.expires_at(deadline.at);
      beast::error_code ec;
      co_await bhttp::async_read_some(stream_, buffer_, parser_, net::redirect_error(net::use_awaitable, ec));
      stream_.expires_never();
      pace_.received = before + (chunk.size() - body.size);
      if (ec == bhttp::error::need_buffer) break;  // chunk full: not an error
      if (!ec) continue;
      DescribeReadFailure(ec, deadline.rate_bound, result);
      co_return result;
    }
    result.bytes = chunk.size() - body.size;
    co_return result;
  }

  void DescribeReadFailure(const beast::error_code& ec, bool rate_bound, BodyRead& result) const {
    const BodyPacing& pacing = context_.options.body_pacing;
    if (ec == bhttp::error::buffer_overflow) {
      result.why = "a chunk-size line, chunk extensions or trailers too long";
      result.refusal = Problem(core::ErrorCode::kBadRequest,
                               fmt::format("a chunk-size line with its extensions, or the trailer section, is over "
                                           "{} bytes",
                                           kReadBufferSlack),
                               request_.path);
    } else if (ec == beast::error::timeout && rate_bound) {
      result.why = fmt::format("the client sent the body slower than {} bytes per second for more than {} s",
                               pacing.min_bytes_per_second, pacing.rate_window.count());
      LogWarn("upload_too_slow", {{"request_id", request_.request_id},
                                  {"path", request_.path},
                                  {"remote", request_.remote_address},
                                  {"bytes_received", pace_.received}});
    } else if (ec == beast::error::timeout) {
      result.why = "the client sent no body data for too long";
    } else {
      result.why = "the client closed the connection";
    }
  }

  // The whole body (up to the route's limit) in request.body, then the handler on a worker.
  net::awaitable<std::optional<Response>> Buffered(const http::Route& route) {
    std::vector<char> chunk(kBufferedChunkBytes);
    while (!parser_.is_done()) {
      BodyRead read = co_await ReadChunk(chunk);
      if (read.refusal) co_return std::move(read.refusal);
      if (!read.bytes) co_return std::nullopt;
      if (request_.body.size() + *read.bytes > route.body_limit) co_return TooLarge(request_, route.body_limit);
      request_.body.append(chunk.data(), *read.bytes);
    }
    result_.body_complete = true;
    co_return co_await OnWorkersFor(context_.workers, request_,
                                    [&] { return Guarded(request_, [&] { return route.buffered(request_); }); });
  }

  // The route's consumer, started on a worker (it may refuse at once), then fed the body.
  net::awaitable<std::optional<Response>> Streaming(const http::Route& route) {
    std::shared_ptr<BodyConsumer> consumer;
    Response early = co_await OnWorkersFor(context_.workers, request_, [&] {
      return Guarded(request_, [&] {
        consumer = route.streaming(request_);
        return Response{};
      });
    });
    if (!consumer) co_return early;
    std::optional<Response> response = co_await StreamBody(route, *consumer);
    // Whatever the consumer still holds goes with it: a load's transaction (ROLLBACK), a pooled
    // connection, the UPDATE that records a failure, an S3 multipart abort with its retries. All of
    // it blocks, so it runs on a worker, never on this I/O thread.
    co_await OnWorkersFor(context_.workers, request_, [&consumer] {
      consumer.reset();
      return true;
    });
    co_return response;
  }

  // Tells the consumer its body will not complete; what it says about failing to undo is logged.
  static bool AbortConsumer(BodyConsumer& consumer, const std::string& why) {
    try {
      consumer.Abort(why);
    } catch (const std::exception& e) {
      LogError("body_abort_failed", {{"error", e.what()}});
    }
    return true;
  }

  // Hands the body to `consumer` chunk by chunk (on workers) and returns its response.
  net::awaitable<std::optional<Response>> StreamBody(const http::Route& route, BodyConsumer& consumer) {
    std::vector<char> chunk(kStreamingChunkBytes);
    while (!parser_.is_done()) {
      BodyRead read = co_await ReadChunk(chunk);
      if (!read.bytes) {
        co_await OnWorkersFor(context_.workers, request_, [&] { return AbortConsumer(consumer, read.why); });
        co_return std::move(read.refusal);
      }
      if (pace_.received > route.body_limit) {
        co_await OnWorkersFor(context_.workers, request_,
                              [&] { return AbortConsumer(consumer, "body over the route's limit"); });
        co_return TooLarge(request_, route.body_limit);
      }
      if (*read.bytes == 0) continue;
      const std::exception_ptr failed = co_await OnWorkersFor(context_.workers, request_, [&]() -> std::exception_ptr {
        try {
          consumer.Consume(std::string_view(chunk.data(), *read.bytes));
          return nullptr;
        } catch (...) {
          std::exception_ptr error = std::current_exception();
          AbortConsumer(consumer, FailureReason(error));
          return error;
        }
      });
      if (failed) co_return ProblemFromException(failed, request_);
    }
    result_.body_complete = true;
    co_return co_await OnWorkersFor(context_.workers, request_,
                                    [&] { return Guarded(request_, [&] { return consumer.Finish(); }); });
  }

  const ServerContext& context_;
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  Request& request_;
  BodyPace pace_;
  Dispatched result_{std::nullopt, false, kUnmatchedRoute};
};

}  // namespace

net::awaitable<Dispatched> Dispatch(const ServerContext& context, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    RequestParser& parser, Request& request) {
  RequestDispatch dispatch(context, stream, buffer, parser, request);
  co_return co_await dispatch.Run();
}

}  // namespace migration::http::server_io
