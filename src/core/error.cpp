#include "core/error.hpp"

namespace migration::core {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "bad-request";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kTooManyRequests: return "too-many-requests";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kMethodNotAllowed: return "method-not-allowed";
    case ErrorCode::kPayloadTooLarge: return "payload-too-large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported-media-type";
    case ErrorCode::kUnprocessable: return "unprocessable";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace migration::core
