#pragma once
// How an S3 answer becomes one of our errors (core/error.hpp), and whether it is worth retrying:
//   no answer (refused, reset, timed out), 5xx, 429, SlowDown, RequestTimeout -> kUnavailable (retryable)
//   404 NoSuchKey (or a HEAD's bare 404)                                      -> kNotFound
//   anything else (403 SignatureDoesNotMatch/AccessDenied, NoSuchBucket, ...)  -> kInternal
// Messages carry S3's Code and Message and the object's s3:// location, never credentials.

#include <string_view>

#include "core/error.hpp"
#include "storage/s3/http_call.hpp"

namespace migration::storage::s3 {

bool IsRetryable(const HttpResponse& response);

// `what`: the request, for people ("PUT s3://bucket/key").
core::Error ErrorFor(std::string_view what, const HttpResponse& response);

}  // namespace migration::storage::s3
