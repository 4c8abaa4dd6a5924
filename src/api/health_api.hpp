#pragma once
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {
// GET /, GET /healthz, GET /readyz
void RegisterHealthRoutes(http::Router& router, ApiContext& context);
}  // namespace migration::api
