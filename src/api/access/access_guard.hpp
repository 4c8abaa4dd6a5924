#pragma once
// The service's admission policy (http::RequestGuard): API keys or bearer JWTs on /v1, a rate limit per caller,
// a limit on failed authentications per client address, CORS. Health, metrics and docs stay open so load balancers and
// scrapers need no key.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/access/api_keys.hpp"
#include "api/access/auth_failure_limiter.hpp"
#include "api/access/cors.hpp"
#include "api/access/jwt_verifier.hpp"
#include "api/access/rate_limiter.hpp"
#include "http/request_guard.hpp"

namespace migration::api::access {

struct AccessOptions {
  std::vector<ApiKey> keys;
  std::shared_ptr<const JwtVerifier> jwt;  // OAuth2 bearer tokens, when JWT_KEY_FILE is set
  bool require_keys = false;               // staging/production, or whenever keys or a JWT key are configured
  double rate_limit_rps = 0;               // 0: no limit
  // Failed authentications per client address in a window before its keys and tokens are refused
  // unchecked (429); 0: no limit (AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_SECONDS).
  int auth_failure_limit = 30;
  std::chrono::seconds auth_failure_window{60};
  std::string cors_allowed_origins;
  // Proxies in front of the service that append to X-Forwarded-For (FORWARDED_HOPS; 1 behind an
  // ALB): the client address the limits and the logs use is the one they saw (forwarded_for.hpp).
  int forwarded_hops = 0;
};

class AccessGuard final : public http::RequestGuard {
 public:
  explicit AccessGuard(AccessOptions options);

  std::optional<http::Response> Admit(http::Request& request, const http::Route* route) override;
  void Decorate(const http::Request& request, http::Response& response) const override;

 private:
  std::optional<http::Response> Authenticate(http::Request& request) const;
  std::optional<http::Response> AuthenticateToken(http::Request& request, std::string_view token) const;

  AccessOptions options_;
  CorsPolicy cors_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<AuthFailureLimiter> failures_;  // null: failures are not limited
};

// The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
std::optional<std::string_view> PresentedKey(const http::Request& request);

}  // namespace migration::api::access
