// Metrics: GET /metrics for Prometheus (or the CloudWatch agent's Prometheus scraper). What is
// counted as it happens lives in the registry already; the state of the database pool, the
// server and the process is read here, at scrape time.

#include "api/metrics_api.hpp"

#include "observability/metrics.hpp"
#include "observability/service_metrics.hpp"

namespace migration::api {

void RegisterMetricsRoutes(http::Router& router, ApiContext& context) {
  router.Add({"GET", "/metrics", 0,
              [&context](http::Request&) {
                const db::ConnectionPoolStats pool = context.db.PoolStats();
                observability::SetDbPoolStats({.max_connections = pool.capacity,
                                               .in_use = pool.in_use,
                                               .idle = pool.idle,
                                               .waiting = pool.waiting,
                                               .acquires = pool.acquires,
                                               .timeouts = pool.timeouts,
                                               .wait_seconds = pool.wait_seconds});
                observability::SetServerStats(context.server_state.in_flight.load(),
                                              context.server_state.connections.load());
                return http::Response{
                    200, std::string(observability::kPrometheusContentType), observability::RenderMetrics(), {}};
              },
              nullptr, ""});
}

}  // namespace migration::api
