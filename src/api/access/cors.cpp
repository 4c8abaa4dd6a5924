#include "api/access/cors.hpp"

#include <algorithm>

#include "http/problem.hpp"

namespace migration::api::access {
namespace {

constexpr const char* kAllowMethods = "GET, POST, DELETE, OPTIONS";
constexpr const char* kAllowHeaders = "Authorization, X-API-Key, Content-Type, Idempotency-Key, X-Request-Id";
constexpr const char* kExposeHeaders = "X-Request-Id, Retry-After, Idempotent-Replayed";

}  // namespace

CorsPolicy::CorsPolicy(std::string_view allowed_origins) {
  while (!allowed_origins.empty()) {
    const size_t comma = allowed_origins.find(',');
    std::string_view origin = allowed_origins.substr(0, comma);
    allowed_origins.remove_prefix(comma == std::string_view::npos ? allowed_origins.size() : comma + 1);
    while (!origin.empty() && origin.front() == ' ') origin.remove_prefix(1);
    while (!origin.empty() && (origin.back() == ' ' || origin.back() == '/')) origin.remove_suffix(1);
    if (origin == "*") {
      any_ = true;
    } else if (!origin.empty()) {
      origins_.emplace_back(origin);
    }
  }
}

bool CorsPolicy::Allows(std::string_view origin) const {
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

std::optional<http::Response> CorsPolicy::Preflight(const http::Request& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  const auto origin = request.Header("origin");
  if (!origin || !request.Header("access-control-request-method")) return std::nullopt;
  if (!enabled() || !Allows(*origin)) {
    return http::Problem(core::ErrorCode::kForbidden,
                         "this origin is not allowed to call the API (CORS_ALLOWED_ORIGINS)", request.path);
  }
  http::Response response{204, "text/plain", "", {}};
  response.headers.emplace_back("Access-Control-Allow-Methods", kAllowMethods);
  response.headers.emplace_back("Access-Control-Allow-Headers", kAllowHeaders);
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

void CorsPolicy::Decorate(const http::Request& request, http::Response& response) const {
  if (!enabled()) return;
  const auto origin = request.Header("origin");
  if (!origin || !Allows(*origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back("Access-Control-Expose-Headers", kExposeHeaders);
}

}  // namespace migration::api::access
