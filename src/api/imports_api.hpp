#pragma once
// Import jobs: POST /v1/imports, GET /v1/imports, GET /v1/imports/{id}, DELETE /v1/imports/{id}.

#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {

void RegisterImportRoutes(http::Router& router, ApiContext& context);

}  // namespace migration::api
