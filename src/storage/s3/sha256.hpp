#pragma once
// SHA-256 of a request body, for the x-amz-content-sha256 header that S3 requires on every
// signed request (libcurl 7.88 never adds it, and S3 then checks the hash of an empty body: 403),
// and HMAC-SHA256 for the SigV4 signatures we compute ourselves (presigned URLs, presign.hpp).
// OpenSSL's EVP and HMAC interfaces.

#include <string>
#include <string_view>

namespace migration::storage::s3 {

// Lower-case hex digest (64 characters).
std::string Sha256Hex(std::string_view bytes);

// The digest of an empty body (GET, HEAD, DELETE).
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// HMAC-SHA256 of `data` under `key`: the 32 raw bytes (SigV4 chains them as the next key).
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of raw bytes.
std::string HexLower(std::string_view bytes);

}  // namespace migration::storage::s3
