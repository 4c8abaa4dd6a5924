#include "api/access/access_guard.hpp"

#include "api/access/forwarded_for.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "http/problem.hpp"

namespace migration::api::access {
namespace {

bool IsProtected(const std::string& path) { return path == "/v1" || path.starts_with("/v1/"); }

bool IsWrite(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

http::Response Unauthorized(const http::Request& request, const std::string& detail) {
  http::Response response = http::Problem(core::ErrorCode::kUnauthorized, detail, request.path);
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"migration-api\"");
  return response;
}

}  // namespace

std::optional<std::string_view> PresentedKey(const http::Request& request) {
  if (const auto authorization = request.Header("authorization")) {
    constexpr std::string_view kBearer = "bearer ";
    if (authorization->size() > kBearer.size()) {
      if (core::AsciiIEquals(authorization->substr(0, kBearer.size()), kBearer))
        return authorization->substr(kBearer.size());
    }
  }
  return request.Header("x-api-key");
}

AccessGuard::AccessGuard(AccessOptions options) : options_(std::move(options)), cors_(options_.cors_allowed_origins) {
  if (options_.rate_limit_rps > 0) {
    limiter_ = std::make_unique<RateLimiter>(options_.rate_limit_rps, std::max(1.0, 2 * options_.rate_limit_rps));
  }
  if (options_.auth_failure_limit > 0) {
    failures_ = std::make_unique<AuthFailureLimiter>(options_.auth_failure_limit, options_.auth_failure_window);
  }
}

std::optional<http::Response> AccessGuard::Authenticate(http::Request& request) const {
  const auto presented = PresentedKey(request);
  if (!options_.require_keys) {
    // Open (development without keys): a presented key is still named in the logs if it is known.
    if (presented) {
      if (const ApiKey* key = FindKey(options_.keys, *presented)) request.principal = key->name;
    }
    return std::nullopt;
  }
  if (!presented || presented->empty()) {
    return Unauthorized(request, "this API needs a key: send Authorization: Bearer <key> or X-API-Key: <key>");
  }
  if (options_.jwt && LooksLikeJwt(*presented)) return AuthenticateToken(request, *presented);
  const ApiKey* key = FindKey(options_.keys, *presented);
  if (key == nullptr) return Unauthorized(request, "the API key is not valid (unknown or revoked)");
  request.principal = key->name;
  if (key->scope == KeyScope::kReadOnly && IsWrite(request.method)) {
    return http::Problem(
        core::ErrorCode::kForbidden,
        fmt::format("the key \"{}\" may only read; {} needs a read-write key", key->name, request.method),
        request.path);
  }
  return std::nullopt;
}

std::optional<http::Response> AccessGuard::AuthenticateToken(http::Request& request, std::string_view token) const {
  const JwtResult result = options_.jwt->Verify(token);
  if (!result.token) {
    http::Response response = http::Problem(core::ErrorCode::kUnauthorized, result.error, request.path);
    response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="migration-api", error="invalid_token")");
    return response;
  }
  request.principal = "jwt:" + result.token->subject;
  if (result.token->scope == TokenScope::kNone) {
    return http::Problem(core::ErrorCode::kForbidden, "the token grants neither migration:read nor migration:write",
                         request.path);
  }
  if (result.token->scope == TokenScope::kReadOnly && IsWrite(request.method)) {
    return http::Problem(core::ErrorCode::kForbidden,
                         fmt::format("the token grants migration:read only; {} needs migration:write", request.method),
                         request.path);
  }
  return std::nullopt;
}

std::optional<http::Response> AccessGuard::Admit(http::Request& request, const http::Route* /*route*/) {
  if (options_.forwarded_hops > 0) {
    std::vector<std::string_view> forwarded_for;
    for (const auto& [name, value] : request.headers) {
      if (name == "x-forwarded-for") forwarded_for.emplace_back(value);
    }
    // From here on (limits, the access log) the address is the client's, not the balancer's.
    request.remote_address = ClientAddress(request.remote_address, forwarded_for, options_.forwarded_hops);
  }
  if (auto preflight = cors_.Preflight(request)) return preflight;
  if (!IsProtected(request.path)) return std::nullopt;
  // Only a key or token that will be checked costs anything (a SHA-256, an RSA verify): an address
  // that failed too often gets 429 before its next one is looked at.
  const auto presented = PresentedKey(request);
  const bool checks_credentials = failures_ && options_.require_keys && presented && !presented->empty();
  if (checks_credentials) {
    if (const auto retry_after = failures_->RetryAfter(request.remote_address)) {
      http::Response response = http::Problem(
          core::ErrorCode::kTooManyRequests,
          fmt::format("too many failed authentications from this address (more than {} in {} s); retry in {} s "
                      "with a valid key or token",
                      options_.auth_failure_limit, options_.auth_failure_window.count(), *retry_after),
          request.path);
      response.headers.emplace_back("Retry-After", std::to_string(*retry_after));
      return response;
    }
  }
  if (auto refused = Authenticate(request)) {
    if (checks_credentials && refused->status == 401) failures_->RecordFailure(request.remote_address);
    return refused;
  }
  if (limiter_) {
    const std::string caller = request.principal.empty() ? "ip:" + request.remote_address : "key:" + request.principal;
    if (const auto retry_after = limiter_->Take(caller)) {
      http::Response response =
          http::Problem(core::ErrorCode::kTooManyRequests,
                        fmt::format("rate limit of {} requests per second exceeded; retry in {} s",
                                    options_.rate_limit_rps, *retry_after),
                        request.path);
      response.headers.emplace_back("Retry-After", std::to_string(*retry_after));
      return response;
    }
  }
  return std::nullopt;
}

void AccessGuard::Decorate(const http::Request& request, http::Response& response) const {
  cors_.Decorate(request, response);
}

}  // namespace migration::api::access
