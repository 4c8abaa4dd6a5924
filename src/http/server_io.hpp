#pragma once
// What the server's three phases share, for their translation units only (server.cpp: the
// listener and the drain; session.cpp: one connection's requests; dispatch.cpp: one request's
// route and body). The one header of the project that includes Boost.Beast and Asio: everything
// protocol-independent (requests, routes, problems, the access log, the body's pace) lives in
// Beast-free files that handlers and tests use without these headers.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <exception>
#include <type_traits>

#include "http/router.hpp"
#include "http/server.hpp"
#include "observability/log.hpp"

namespace migration::http::server_io {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using RequestParser = bhttp::request_parser<bhttp::buffer_body>;

constexpr unsigned kHttp11 = 11;  // Beast's spelling of HTTP/1.1 in a response

// What the connection's read buffer may hold beyond the request head. Body bytes leave it for the
// body chunk as they are parsed, so it only ever holds one read's worth of them; what it must not
// do is grow without bound while Beast 1.74's parser waits for the end of a chunk-size line, of
// chunk extensions or of the trailers (it limits none of them). Past this the read fails with
// buffer_overflow and the request gets a 400.
constexpr size_t kReadBufferSlack = 64 * 1024;

// What every phase reads: the options, the routes, the shared counters and the worker pool.
struct ServerContext {
  const ServerOptions& options;
  const Router& router;
  ServerState& state;
  net::thread_pool& workers;
};

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

// OnWorkers for the work of one request: whatever it logs carries the request's id and trace
// (observability::LogContext), on whichever worker it runs.
template <typename F>
net::awaitable<std::invoke_result_t<F>> OnWorkersFor(net::thread_pool& pool, const Request& request, F f) {
  co_return co_await OnWorkers(pool, [&request, f = std::move(f)]() mutable {
    const observability::LogContext context(request.request_id, request.trace.trace_id);
    return f();
  });
}

}  // namespace migration::http::server_io
