#pragma once
// Idempotency-Key on loads (IETF httpapi Idempotency-Key draft, as Stripe does it): a key is stored
// with its load and a fingerprint of the request, SHA-256 over the method, path, query (sorted)
// and body; for uploads, over the file's bytes as they stream in. A retry with the same key and
// fingerprint replays the first response and loads nothing; the same key with another fingerprint
// is a 422 and loads nothing. Keys expire after IDEMPOTENCY_KEY_TTL_HOURS (24 by default): a
// later request with an expired key is a new request, and expired keys are purged periodically.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "backup/avro_sha256.hpp"
#include "db/records.hpp"
#include "http/request.hpp"

namespace migration::api {

// The Idempotency-Key header, checked (1..255 visible ASCII characters); nullopt when absent.
// The record names the principal, the key and "METHOD /path"; its fingerprint is still empty.
// Throws core::Error(kBadRequest) for a malformed key.
std::optional<db::IdempotencyRecord> IdempotencyKeyOf(const http::Request& request, std::chrono::seconds ttl);

// SHA-256 of a request: method, path and query from the head, then the body as it arrives.
class RequestFingerprint {
 public:
  explicit RequestFingerprint(const http::Request& head);
  void Update(std::string_view body_bytes) { sha_.Update(body_bytes); }
  std::string FinishHex() { return sha_.FinishHex(); }  // lower-case hex; spent afterwards

 private:
  backup::AvroSha256 sha_;  // plain incremental SHA-256 (OpenSSL EVP)
};

// The fingerprint of a buffered request (its whole body at hand).
std::string FingerprintOf(const http::Request& request);

// Whether `seen` (stored) was recorded for the same request as `wanted`. Keys stored before
// fingerprints existed have none: for them the method and path decide, as they did then.
bool SameRequest(const db::IdempotencyRecord& seen, const db::IdempotencyRecord& wanted);

// The 422 detail for a key reused with a different request.
std::string KeyReusedDetail(const db::IdempotencyRecord& seen, const db::IdempotencyRecord& wanted);

}  // namespace migration::api
