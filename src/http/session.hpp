#pragma once
// One connection: requests read and answered in turn while keep-alive holds. For server.cpp only.

#include "http/server_io.hpp"

namespace migration::http::server_io {

net::awaitable<void> Session(const ServerContext& context, tcp::socket socket);

}  // namespace migration::http::server_io
