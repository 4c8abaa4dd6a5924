#include "http/problem.hpp"

#include <nlohmann/json.hpp>

#include "observability/log.hpp"

namespace migration::http {

using core::ErrorCode;

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kTooManyRequests: return 429;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUnprocessable: return 422;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 429: return "Too Many Requests";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

Response Problem(ErrorCode code, const std::string& detail, const std::string& instance) {
  return Problem(code, detail, instance, nlohmann::json::object());
}

Response Problem(ErrorCode code, const std::string& detail, const std::string& instance, const nlohmann::json& extra) {
  const int status = HttpStatusFor(code);
  nlohmann::json body = {
      {"type", "urn:migration-api:problem:" + std::string(core::ErrorCodeName(code))},
      {"title", std::string(ReasonPhrase(status))},
      {"status", status},
      {"detail", detail},
      {"instance", instance},
  };
  // The RFC 9457 members win: a load's own "status" ("rejected") must not replace the HTTP status.
  for (const auto& [key, value] : extra.items()) body.emplace(key, value);
  Response response{
      status, "application/problem+json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
  if (code == ErrorCode::kUnavailable) response.headers.emplace_back("Retry-After", "5");
  return response;
}

Response ProblemFromException(const std::exception_ptr& error, const Request& request) {
  try {
    std::rethrow_exception(error);
  } catch (const core::Error& e) {
    return Problem(e.code(), e.detail(), request.path);
  } catch (const std::exception& e) {
    observability::LogError("unhandled_error", {{"request_id", request.request_id}, {"error", e.what()}});
  } catch (...) {
    observability::LogError("unhandled_error", {{"request_id", request.request_id}, {"error", "not a std::exception"}});
  }
  return Problem(ErrorCode::kInternal, "an unexpected error occurred; the request id is in X-Request-Id", request.path);
}

}  // namespace migration::http
