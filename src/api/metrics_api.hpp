#pragma once
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {
// GET /metrics: Prometheus text format 0.0.4 (observability/service_metrics.hpp lists the metrics).
void RegisterMetricsRoutes(http::Router& router, ApiContext& context);
}  // namespace migration::api
