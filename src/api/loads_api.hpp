#pragma once
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {
// GET /v1/loads, GET /v1/loads/{id}, GET /v1/loads/{id}/rejects
void RegisterLoadRoutes(http::Router& router, ApiContext& context);
}  // namespace migration::api
