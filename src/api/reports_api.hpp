#pragma once
// GET /v1/reports/hires-by-quarter and /v1/reports/departments-above-mean (DESIGN §5).

#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {

void RegisterReportRoutes(http::Router& router, ApiContext& context);

}  // namespace migration::api
