#pragma once
// Presigned URLs: SigV4 with the signature in the query string instead of an Authorization header
// (AWS, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"), so that a
// client holding no AWS credentials — a browser — can make exactly one kind of request (method,
// object, the operation's own parameters such as partNumber and uploadId) until the URL expires.
//
// libcurl signs our own requests (http_call.hpp) but has no query-string signer, so this one is
// computed here: HMAC-SHA256 over the canonical request
//   METHOD \n canonical path \n canonical query \n host:HOST \n\n host \n UNSIGNED-PAYLOAD
// with X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders (=host) and, for temporary
// credentials, -Security-Token among the query parameters it signs; the signature is appended as
// X-Amz-Signature. Only Host is signed, so the client may send any Content-Type, Content-Length
// or Content-MD5; the payload is not signed (UNSIGNED-PAYLOAD) because the client, not we, holds
// the body. Pure functions: the clock and the credentials are arguments.
//
// A URL signed with temporary credentials (the ECS task role, IRSA) stops working when those
// credentials expire, even if X-Amz-Expires has not run out yet: S3 refuses an expired session
// token. Task-role sessions last hours, so keep `expires` well under that.

#include <chrono>
#include <string>
#include <string_view>

#include "storage/s3/canonical_request.hpp"
#include "storage/s3/credentials.hpp"

namespace migration::storage::s3 {

// What S3 allows for X-Amz-Expires: 1 second to 7 days.
inline constexpr std::chrono::seconds kMaxPresignedExpiry{604800};

struct PresignRequest {
  std::string method;  // GET, HEAD, PUT, POST or DELETE
  std::string bucket;
  std::string key;           // the full key in the bucket (not encoded)
  QueryParams query;         // the operation's own parameters, not encoded: {"partNumber", "1"}, {"uploadId", …}
  std::string region;        // of the bucket: part of the credential scope
  std::string endpoint_url;  // "" for AWS (virtual-hosted), else path-style (bucket_address.hpp)
  std::chrono::system_clock::time_point now;
  std::chrono::seconds expires{3600};
};

// The steps of one signature, for tests against AWS's published example.
struct QuerySignature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;        // 64 lower-case hex digits
  std::string canonical_query;  // the signed query (without X-Amz-Signature)
};

// Signs a request to `host` + `canonical_path` (already encoded). Throws core::Error(kBadRequest)
// for an unknown method, `expires` outside 1..604800 s, or `query` naming one of the X-Amz-*
// parameters the signature itself sets.
QuerySignature SignQuery(std::string_view method, std::string_view host, std::string_view canonical_path,
                         QueryParams query, std::string_view region, const Credentials& credentials,
                         std::chrono::system_clock::time_point now, std::chrono::seconds expires);

// The whole URL: the bucket's address (as S3Client's requests), the canonical query, then
// &X-Amz-Signature=…. Throws as SignQuery.
std::string PresignUrl(const PresignRequest& request, const Credentials& credentials);

}  // namespace migration::storage::s3
