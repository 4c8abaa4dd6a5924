#pragma once
// CORS for browser clients: an allow-list of origins (CORS_ALLOWED_ORIGINS, comma-separated,
// "*" for any). Preflight requests are answered here; allowed origins get the response headers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace migration::api::access {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::string_view allowed_origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  bool Allows(std::string_view origin) const;
  // A 204 for an OPTIONS preflight (Origin + Access-Control-Request-Method) from an allowed
  // origin, a 403 for one from another origin; nullopt when `request` is not a preflight.
  std::optional<http::Response> Preflight(const http::Request& request) const;
  void Decorate(const http::Request& request, http::Response& response) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace migration::api::access
