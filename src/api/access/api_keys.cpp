#include "api/access/api_keys.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/error.hpp"

namespace migration::api::access {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ApiKey ParseEntry(std::string_view entry, std::string_view source, size_t number) {
  const auto fail = [&](std::string_view why) {
    return core::Error(core::ErrorCode::kBadRequest,
                       fmt::format("{}: entry {} {}; expected name:sha256hex[:read|readwrite] "
                                   "(sha256hex = the 64 hex digits of SHA-256 of the key)",
                                   source, number, why));
  };
  ApiKey key;
  const size_t colon = entry.find(':');
  if (colon == std::string_view::npos || colon == 0) throw fail("has no name");
  key.name = std::string(Trim(entry.substr(0, colon)));
  std::string_view rest = entry.substr(colon + 1);
  const size_t scope_colon = rest.find(':');
  std::string_view hex = Trim(rest.substr(0, scope_colon));
  if (scope_colon != std::string_view::npos) {
    const std::string_view scope = Trim(rest.substr(scope_colon + 1));
    if (scope == "read") {
      key.scope = KeyScope::kReadOnly;
    } else if (scope != "readwrite") {
      throw fail("has an unknown scope");
    }
  }
  if (hex.size() != 64) throw fail("does not hold a 64-digit SHA-256 hex digest");
  for (size_t i = 0; i < 32; ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) throw fail("has a digest that is not hexadecimal");
    key.sha256[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return key;
}

}  // namespace

std::vector<ApiKey> ParseApiKeys(std::string_view text, std::string_view source) {
  std::vector<ApiKey> keys;
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = text.find_first_of(",\n");
    std::string_view entry = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (entry.empty() || entry.front() == '#') continue;
    keys.push_back(ParseEntry(entry, source, ++number));
  }
  return keys;
}

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

const ApiKey* FindKey(const std::vector<ApiKey>& keys, std::string_view presented) {
  const std::array<uint8_t, 32> digest = Sha256(presented);
  const ApiKey* found = nullptr;
  for (const auto& key : keys) {
    // CRYPTO_memcmp takes the same time whatever the bytes; no early exit across keys either.
    const bool equal = CRYPTO_memcmp(digest.data(), key.sha256.data(), digest.size()) == 0;
    if (equal && found == nullptr) found = &key;
  }
  return found;
}

}  // namespace migration::api::access
