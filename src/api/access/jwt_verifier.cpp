#include "api/access/jwt_verifier.hpp"

#include <jwt.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "core/error.hpp"

namespace migration::api::access {
namespace {

using nlohmann::json;

constexpr std::string_view kWriteScope = "migration:write";
constexpr std::string_view kReadScope = "migration:read";

std::string_view AlgorithmName(JwtAlgorithm algorithm) { return algorithm == JwtAlgorithm::kRs256 ? "RS256" : "HS256"; }

jwt_alg_t LibJwtAlgorithm(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kRs256 ? JWT_ALG_RS256 : JWT_ALG_HS256;
}

bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// base64url (no padding) -> bytes; nullopt when it is not base64url.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  if (!std::all_of(text.begin(), text.end(), IsBase64Url) || text.size() % 4 == 1) return std::nullopt;
  std::string standard(text);
  std::replace(standard.begin(), standard.end(), '-', '+');
  std::replace(standard.begin(), standard.end(), '_', '/');
  const size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (written < 0) return std::nullopt;
  out.resize(static_cast<size_t>(written) - padding);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

// The token's parsed header, or nullopt when it is not JSON.
std::optional<json> Header(std::string_view token) {
  const auto bytes = DecodeBase64Url(token.substr(0, token.find('.')));
  if (!bytes) return std::nullopt;
  json header = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return std::nullopt;
  return header;
}

bool AudienceMatches(const json& aud, const std::string& expected) {
  if (aud.is_string()) return aud.get<std::string>() == expected;
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), [&](const json& one) { return one.is_string() && one == expected; });
  }
  return false;
}

TokenScope ScopeOf(const json& claims) {
  std::vector<std::string> scopes;
  if (const auto it = claims.find("scope"); it != claims.end() && it->is_string()) {
    std::istringstream words(it->get<std::string>());
    for (std::string word; words >> word;) scopes.push_back(word);
  }
  if (const auto it = claims.find("scp"); it != claims.end() && it->is_array()) {
    for (const auto& one : *it) {
      if (one.is_string()) scopes.push_back(one.get<std::string>());
    }
  }
  if (std::find(scopes.begin(), scopes.end(), kWriteScope) != scopes.end()) return TokenScope::kReadWrite;
  if (std::find(scopes.begin(), scopes.end(), kReadScope) != scopes.end()) return TokenScope::kReadOnly;
  return TokenScope::kNone;
}

// A NumericDate claim as whole seconds, or nullopt when absent or not a number.
std::optional<int64_t> NumericDate(const json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return static_cast<int64_t>(it->get<double>());
}

JwtResult Refused(std::string why) { return JwtResult{std::nullopt, std::move(why)}; }

struct JwtDeleter {
  void operator()(jwt_t* token) const { jwt_free(token); }
};
struct CStringDeleter {
  void operator()(char* text) const { std::free(text); }  // NOLINT(cppcoreguidelines-no-malloc): libjwt mallocs it
};

}  // namespace

std::optional<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name) {
  if (name == "RS256") return JwtAlgorithm::kRs256;
  if (name == "HS256") return JwtAlgorithm::kHs256;
  return std::nullopt;
}

bool LooksLikeJwt(std::string_view credential) {
  return std::count(credential.begin(), credential.end(), '.') == 2 &&
         std::all_of(credential.begin(), credential.end(), [](char c) { return c == '.' || IsBase64Url(c); });
}

JwtVerifier::JwtVerifier(JwtOptions options) : options_(std::move(options)) {
  if (options_.key.empty()) throw core::Error(core::ErrorCode::kBadRequest, "JWT_KEY_FILE: the key file is empty");
  if (options_.issuer.empty() || options_.audience.empty()) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      "bearer tokens need both JWT_ISSUER and JWT_AUDIENCE, so that tokens minted for another "
                      "service or by another issuer are refused");
  }
}

JwtResult JwtVerifier::Verify(std::string_view token) const {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Verify(token, std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

JwtResult JwtVerifier::Verify(std::string_view token, int64_t now_unix_seconds) const {
  if (!LooksLikeJwt(token)) return Refused("the bearer token is not a JWT");
  // The algorithm is the operator's choice, not the token's: check it before libjwt picks a
  // verification by the header (an HS256 token "signed" with the RSA public key would pass).
  const auto header = Header(token);
  if (!header) return Refused("the token's header is not base64url JSON");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != AlgorithmName(options_.algorithm)) {
    return Refused("the token is not signed with " + std::string(AlgorithmName(options_.algorithm)));
  }

  jwt_t* raw = nullptr;
  const std::string text(token);
  const int failed = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(options_.key.data()),
                                static_cast<int>(options_.key.size()));
  std::unique_ptr<jwt_t, JwtDeleter> decoded(raw);
  if (failed != 0 || !decoded) return Refused("the token's signature does not verify");
  if (jwt_get_alg(decoded.get()) != LibJwtAlgorithm(options_.algorithm)) {
    return Refused("the token is not signed with " + std::string(AlgorithmName(options_.algorithm)));
  }

  const std::unique_ptr<char, CStringDeleter> grants(jwt_get_grants_json(decoded.get(), nullptr));
  const json claims = grants ? json::parse(grants.get(), nullptr, /*allow_exceptions=*/false) : json();
  if (!claims.is_object()) return Refused("the token has no claims");

  const auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != options_.issuer) {
    return Refused("the token was not issued by the configured issuer");
  }
  const auto aud = claims.find("aud");
  if (aud == claims.end() || !AudienceMatches(*aud, options_.audience)) {
    return Refused("the token is not meant for this audience");
  }
  const int64_t leeway = options_.leeway.count();
  const auto exp = NumericDate(claims, "exp");
  if (!exp) return Refused("the token has no expiry (exp)");
  if (now_unix_seconds >= *exp + leeway) return Refused("the token has expired");
  if (const auto nbf = NumericDate(claims, "nbf"); nbf && now_unix_seconds + leeway < *nbf) {
    return Refused("the token is not valid yet (nbf)");
  }

  VerifiedToken verified;
  for (const char* name : {"sub", "client_id"}) {
    if (const auto it = claims.find(name); it != claims.end() && it->is_string()) {
      verified.subject = it->get<std::string>();
      break;
    }
  }
  verified.scope = ScopeOf(claims);
  return JwtResult{verified, ""};
}

}  // namespace migration::api::access
