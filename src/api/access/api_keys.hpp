#pragma once
// API keys as operators configure them: `name:sha256hex[:scope]` pairs (API_KEYS, comma-separated,
// or API_KEYS_FILE, one per line, # comments). Only SHA-256 digests are configured, so the keys
// themselves live nowhere but with their holders. A presented key is hashed and compared with
// every configured digest in constant time; the match's name (never the key) identifies the caller.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migration::api::access {

enum class KeyScope { kReadWrite, kReadOnly };

struct ApiKey {
  std::string name;
  std::array<uint8_t, 32> sha256{};
  KeyScope scope = KeyScope::kReadWrite;
};

// Throws core::Error(kBadRequest) naming `source` and the entry when an entry is malformed.
std::vector<ApiKey> ParseApiKeys(std::string_view text, std::string_view source);

std::array<uint8_t, 32> Sha256(std::string_view data);

// The key whose digest equals SHA-256(presented), or nullptr. Compares against every configured
// key without stopping early, each with a constant-time comparison.
const ApiKey* FindKey(const std::vector<ApiKey>& keys, std::string_view presented);

}  // namespace migration::api::access
