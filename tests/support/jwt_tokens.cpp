#include "support/jwt_tokens.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace migration::testing {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

RsaKeyPair MakeRsaKeyPair() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) throw std::runtime_error("EVP_RSA_gen failed");
  std::unique_ptr<BIO, decltype(&BIO_free)> private_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> public_bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1) {
    throw std::runtime_error("writing the PEM keys failed");
  }
  return {BioText(private_bio.get()), BioText(public_bio.get())};
}

std::string MintToken(const std::string& algorithm, const std::string& key, const TokenClaims& claims) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> token(raw, jwt_free);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  jwt_add_grant(token.get(), "iss", claims.issuer.c_str());
  jwt_add_grant(token.get(), "aud", claims.audience.c_str());
  jwt_add_grant(token.get(), "sub", claims.subject.c_str());
  if (!claims.scope.empty()) jwt_add_grant(token.get(), "scope", claims.scope.c_str());
  jwt_add_grant_int(token.get(), "iat", now);
  jwt_add_grant_int(token.get(), "exp", claims.expires_at != 0 ? claims.expires_at : now + 3600);
  if (claims.not_before != 0) jwt_add_grant_int(token.get(), "nbf", claims.not_before);
  const jwt_alg_t alg = jwt_str_alg(algorithm.c_str());
  const bool keyless = alg == JWT_ALG_NONE;
  if (jwt_set_alg(token.get(), alg, keyless ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                  keyless ? 0 : static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed for " + algorithm);
  }
  char* encoded = jwt_encode_str(token.get());
  if (encoded == nullptr) throw std::runtime_error("jwt_encode_str failed");
  std::string out(encoded);
  std::free(encoded);  // NOLINT(cppcoreguidelines-no-malloc): libjwt mallocs it
  return out;
}

}  // namespace migration::testing
