#pragma once
// OAuth2 bearer tokens (JWTs) from an identity provider, beside API keys. The operator configures
// one algorithm (RS256 with the provider's PEM public key, or HS256 with a shared secret), the
// expected issuer and audience. A token passes when its header names exactly that algorithm (a
// token may not choose its own: "none" or HS256 signed with the RSA public key are refused before
// any signature check), its signature verifies (libjwt), `iss` and `aud` match, `exp` is in the
// future and `nbf`, if present, has passed (both with a small clock leeway).
//
// Scopes (`scope`, space-separated, or `scp`, an array): `migration:write` may read and write,
// `migration:read` may only read; a token with neither is refused (403).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace migration::api::access {

enum class JwtAlgorithm { kRs256, kHs256 };

struct JwtOptions {
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  std::string key;  // RS256: PEM public key; HS256: the shared secret's bytes
  std::string issuer;
  std::string audience;
  std::chrono::seconds leeway{60};
};

enum class TokenScope { kNone, kReadOnly, kReadWrite };

struct VerifiedToken {
  std::string subject;  // `sub` (or `client_id`), for logs: never the token
  TokenScope scope = TokenScope::kNone;
};

// Either a verified token or why not (said to the caller in a 401; holds no secret).
struct JwtResult {
  std::optional<VerifiedToken> token;
  std::string error;
};

class JwtVerifier {
 public:
  // Throws core::Error(kBadRequest) when the options cannot work (no key, issuer or audience).
  explicit JwtVerifier(JwtOptions options);

  JwtResult Verify(std::string_view token, int64_t now_unix_seconds) const;
  JwtResult Verify(std::string_view token) const;  // against the system clock

 private:
  JwtOptions options_;
};

// "RS256" / "HS256" (case-sensitive, as in a JWT header); nullopt otherwise.
std::optional<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name);

// A presented bearer credential that has the shape of a JWT (three base64url parts) rather than an
// API key.
bool LooksLikeJwt(std::string_view credential);

}  // namespace migration::api::access
