#include "storage/s3/s3_error.hpp"

#include <string>

#include "storage/s3/s3_xml.hpp"

namespace migration::storage::s3 {
namespace {

S3ErrorInfo ErrorInfo(const HttpResponse& response) {
  if (std::optional<S3ErrorInfo> info = ParseError(response.body)) return *info;
  return {};
}

bool IsThrottleOrTimeout(const S3ErrorInfo& info) {
  return info.code == "SlowDown" || info.code == "RequestTimeout" || info.code == "InternalError" ||
         info.code == "ServiceUnavailable";
}

}  // namespace

bool IsRetryable(const HttpResponse& response) {
  if (response.curl_code != 0) return true;
  if (response.status >= 500 || response.status == 429) return true;
  // 400 RequestTimeout, or an <Error> InternalError inside a 200 (CompleteMultipartUpload does that).
  return IsThrottleOrTimeout(ErrorInfo(response));
}

core::Error ErrorFor(std::string_view what, const HttpResponse& response) {
  using core::Error;
  using core::ErrorCode;
  if (response.curl_code != 0) {
    return Error(ErrorCode::kUnavailable,
                 "object storage is unreachable (" + std::string(what) + "): " + response.curl_error + "; retry later");
  }
  const S3ErrorInfo info = ErrorInfo(response);
  std::string status = std::to_string(response.status);
  if (!info.code.empty()) status += " " + info.code;
  if (!info.message.empty()) status += ": " + info.message;
  if (response.status >= 500 || response.status == 429 || IsThrottleOrTimeout(info)) {
    return Error(ErrorCode::kUnavailable,
                 "object storage is unavailable (" + std::string(what) + "): " + status + "; retry later");
  }
  if (response.status == 404 && (info.code.empty() || info.code == "NoSuchKey")) {
    return Error(ErrorCode::kNotFound, "no such object (" + std::string(what) + ")");
  }
  return Error(ErrorCode::kInternal, "object storage refused " + std::string(what) + ": " + status);
}

}  // namespace migration::storage::s3
