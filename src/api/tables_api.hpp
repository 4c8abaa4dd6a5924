#pragma once
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {
// POST /v1/{table}/upload, POST /v1/{table}, GET /v1/{table}, GET /v1/{table}/{id}
void RegisterTableRoutes(http::Router& router, ApiContext& context);
}  // namespace migration::api
