#pragma once
// Admission policy applied by the server to every request before its body is read (auth, rate
// limits, CORS preflight), and the headers it adds to every response. Runs on the I/O threads:
// implementations must be quick and never block.

#include <optional>

#include "http/request.hpp"
#include "http/router.hpp"

namespace migration::http {

class RequestGuard {
 public:
  virtual ~RequestGuard() = default;
  // nullopt: the request goes on (the guard may set request.principal). A response: sent
  // instead, and the body is never read. `route` is null when nothing matched.
  virtual std::optional<Response> Admit(Request& request, const Route* route) = 0;
  // Adds headers to any response (CORS).
  virtual void Decorate(const Request& request, Response& response) const = 0;
};

}  // namespace migration::http
