#pragma once
// One request, after its head: the target parsed, the access guard asked, the route found, the
// body read (buffered) or handed to the route's consumer chunk by chunk (streaming), the handler
// run on a worker. For session.cpp only (Beast types).

#include <optional>
#include <string_view>

#include "http/request.hpp"
#include "http/server_io.hpp"

namespace migration::http::server_io {

struct Dispatched {
  std::optional<Response> response;  // none: the body broke off and the connection is gone
  bool body_complete = false;        // the whole body was read: the connection may carry another request
  std::string_view route;            // the matched route's name, or kUnmatchedRoute (for the access log)
};

net::awaitable<Dispatched> Dispatch(const ServerContext& context, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    RequestParser& parser, Request& request);

}  // namespace migration::http::server_io
