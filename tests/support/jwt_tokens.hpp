#pragma once
// Mints JWTs for tests the way an identity provider would (libjwt, an RSA key made on the spot),
// so the service's verifier is checked against tokens it did not make itself.

#include <cstdint>
#include <string>

namespace migration::testing {

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

// A fresh 2048-bit RSA key pair (OpenSSL).
RsaKeyPair MakeRsaKeyPair();

struct TokenClaims {
  std::string issuer = "https://issuer.example";
  std::string audience = "migration-api";
  std::string subject = "reporting-job";
  std::string scope = "migration:write";
  int64_t expires_at = 0;  // unix seconds; 0: an hour from now
  int64_t not_before = 0;  // 0: no nbf claim
};

// "RS256" with a PEM private key, "HS256" with a secret, "none" with no key.
std::string MintToken(const std::string& algorithm, const std::string& key, const TokenClaims& claims);

}  // namespace migration::testing
