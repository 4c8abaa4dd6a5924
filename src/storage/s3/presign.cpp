#include "storage/s3/presign.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "storage/s3/bucket_address.hpp"
#include "storage/s3/sha256.hpp"

namespace migration::storage::s3 {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kService = "s3";

// The parameters the signature sets: a caller's copy would be a second, unsigned value that S3
// might read instead.
constexpr std::array<std::string_view, 7> kAuthParams = {
    "X-Amz-Algorithm",     "X-Amz-Credential", "X-Amz-Date",          "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature",  "X-Amz-Security-Token"};

// "20130524T000000Z": the ISO 8601 basic format SigV4 uses, in UTC, whole seconds.
std::string AmzDate(std::chrono::system_clock::time_point now) {
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string text = core::FormatRfc3339(seconds * 1'000'000);  // "2013-05-24T00:00:00Z"
  std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
  return text;
}

void CheckMethod(std::string_view method) {
  for (const std::string_view known : {"GET", "HEAD", "PUT", "POST", "DELETE"}) {
    if (method == known) return;
  }
  throw Error(ErrorCode::kBadRequest,
              "a presigned URL is for GET, HEAD, PUT, POST or DELETE, not \"" + std::string(method) + "\"");
}

}  // namespace

QuerySignature SignQuery(std::string_view method, std::string_view host, std::string_view canonical_path,
                         QueryParams query, std::string_view region, const Credentials& credentials,
                         std::chrono::system_clock::time_point now, std::chrono::seconds expires) {
  CheckMethod(method);
  if (expires < std::chrono::seconds(1) || expires > kMaxPresignedExpiry) {
    throw Error(ErrorCode::kBadRequest,
                "a presigned URL is valid for 1 to 604800 seconds (7 days), not " + std::to_string(expires.count()));
  }
  for (const auto& [name, value] : query) {
    const bool reserved = std::any_of(kAuthParams.begin(), kAuthParams.end(),
                                      [&name = name](std::string_view auth) { return core::AsciiIEquals(name, auth); });
    if (reserved) throw Error(ErrorCode::kBadRequest, "the signature sets query parameter " + name + " itself");
  }

  const std::string date_time = AmzDate(now);
  const std::string date = date_time.substr(0, 8);
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(kService) + "/aws4_request";
  query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  query.emplace_back("X-Amz-Date", date_time);
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", "host");
  // Temporary credentials: S3 needs the token with the request, and it is signed like the rest.
  if (!credentials.session_token.empty()) query.emplace_back("X-Amz-Security-Token", credentials.session_token);

  QuerySignature result;
  result.canonical_query = CanonicalQueryString(std::move(query));
  result.canonical_request = std::string(method) + "\n" + std::string(canonical_path) + "\n" + result.canonical_query +
                             "\n" + "host:" + std::string(host) + "\n\n" + "host\n" + "UNSIGNED-PAYLOAD";
  result.string_to_sign =
      std::string(kAlgorithm) + "\n" + date_time + "\n" + scope + "\n" + Sha256Hex(result.canonical_request);
  // The signing key is derived from the secret through the scope, one HMAC per element.
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, kService);
  key = HmacSha256(key, "aws4_request");
  result.signature = HexLower(HmacSha256(key, result.string_to_sign));
  return result;
}

std::string PresignUrl(const PresignRequest& request, const Credentials& credentials) {
  const BucketAddress address = ResolveBucketAddress(request.bucket, request.region, request.endpoint_url);
  const std::string path = address.Path(request.key);
  const QuerySignature signed_query = SignQuery(request.method, address.host, path, request.query, request.region,
                                                credentials, request.now, request.expires);
  return address.origin + path + "?" + signed_query.canonical_query + "&X-Amz-Signature=" + signed_query.signature;
}

}  // namespace migration::storage::s3
