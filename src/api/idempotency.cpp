#include "api/idempotency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace migration::api {
namespace {

// Each part length-prefixed, so no two different requests hash the same bytes
// ("?a=1&b=2" is not "?a=1%26b%3D2").
void AddPart(backup::AvroSha256& sha, std::string_view part) {
  const auto size = static_cast<uint64_t>(part.size());
  std::string prefix(8, '\0');
  for (size_t i = 0; i < 8; ++i) prefix[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  sha.Update(prefix);
  sha.Update(part);
}

}  // namespace

std::optional<db::IdempotencyRecord> IdempotencyKeyOf(const http::Request& request, std::chrono::seconds ttl) {
  const auto key = request.Header("idempotency-key");
  if (!key) return std::nullopt;
  const bool visible = std::all_of(key->begin(), key->end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (key->empty() || key->size() > 255 || !visible) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      "Idempotency-Key must be 1 to 255 visible ASCII characters (e.g. a UUID)");
  }
  db::IdempotencyRecord record;
  record.principal = request.principal;
  record.key = std::string(*key);
  record.request = request.method + " " + request.path;
  record.ttl_seconds = ttl.count();
  return record;
}

RequestFingerprint::RequestFingerprint(const http::Request& head) {
  AddPart(sha_, head.method);
  AddPart(sha_, head.path);
  // The query's meaning does not depend on the order of its parameters.
  std::vector<std::pair<std::string, std::string>> query = head.query;
  std::sort(query.begin(), query.end());
  AddPart(sha_, std::to_string(query.size()));
  for (const auto& [name, value] : query) {
    AddPart(sha_, name);
    AddPart(sha_, value);
  }
}

std::string FingerprintOf(const http::Request& request) {
  RequestFingerprint fingerprint(request);
  fingerprint.Update(request.body);
  return fingerprint.FinishHex();
}

bool SameRequest(const db::IdempotencyRecord& seen, const db::IdempotencyRecord& wanted) {
  if (seen.fingerprint.empty()) return seen.request == wanted.request;
  return seen.fingerprint == wanted.fingerprint;
}

std::string KeyReusedDetail(const db::IdempotencyRecord& seen, const db::IdempotencyRecord& wanted) {
  if (seen.request != wanted.request) {
    return fmt::format("this Idempotency-Key was already used for {}; use a new key for a different request",
                       seen.request);
  }
  return fmt::format(
      "this Idempotency-Key was already used for {} with a different query or body; a retry must "
      "repeat the request exactly, a different request needs a new key",
      seen.request);
}

}  // namespace migration::api
