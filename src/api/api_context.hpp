#pragma once
// What every resource's handlers may use: the database and the server's shared state.

#include <string>

#include "db/database.hpp"
#include "http/server.hpp"

namespace migration::api {

struct ApiContext {
  db::Database& db;
  http::ServerState& server_state;
  uint64_t max_upload_bytes = UINT64_MAX;  // 0 or max: any size (streamed)
};

}  // namespace migration::api
