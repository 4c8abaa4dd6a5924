// Health: GET / (the load balancer's check), /healthz (liveness), /readyz (readiness).

#include "api/health_api.hpp"

#include "api/json_render.hpp"
#include "core/error.hpp"
#include "http/problem.hpp"

namespace migration::api {

void RegisterHealthRoutes(http::Router& router, ApiContext& context) {
  router.Add({"GET", "/", 0,
              [](http::Request&) {
                return http::Response::Json(
                    200, Dump({{"service", "migration-api"}, {"version", MIGRATION_VERSION}, {"status", "ok"}}));
              },
              nullptr, ""});
  // Liveness: the process answers. Never touches the database, so a database outage does not
  // make the orchestrator kill healthy tasks.
  router.Add({"GET", "/healthz", 0, [](http::Request&) { return http::Response::Json(200, R"({"status":"ok"})"); },
              nullptr, ""});
  router.Add({"GET", "/readyz", 0,
              [&context](const http::Request& request) {
                if (context.server_state.draining.load()) {
                  return http::Problem(core::ErrorCode::kUnavailable, "the server is shutting down", request.path);
                }
                if (!context.db.Ready()) {
                  return http::Problem(core::ErrorCode::kUnavailable,
                                       "the database does not answer or its schema is not current", request.path);
                }
                return http::Response::Json(200, Dump({{"status", "ready"}, {"database", context.db.BackendName()}}));
              },
              nullptr, ""});
}

}  // namespace migration::api
