#pragma once
// Loads that honour an Idempotency-Key (api/idempotency.hpp): a key already committed with a load
// replays that load's response; a concurrent request with the same key that commits first wins,
// and this one answers as it did.

#include <optional>
#include <string>
#include <utility>

#include "api/api_context.hpp"
#include "core/error.hpp"
#include "db/records.hpp"
#include "http/request.hpp"

namespace migration::api {

// The Idempotency-Key header (api/idempotency.hpp) with this service's key lifetime; nullopt when
// absent. Its fingerprint is filled in once the body is known.
std::optional<db::IdempotencyRecord> IdempotencyParam(const ApiContext& context, const http::Request& request);

// The first response of a request sent again with the same Idempotency-Key, rebuilt from its
// committed load; nullopt when the key is new. Throws core::Error(kUnprocessable) when the key was
// used for another request.
std::optional<http::Response> ReplayIfSeen(ApiContext& context, const std::string& instance,
                                           const db::IdempotencyRecord& wanted);

// Runs `load_request` (which commits the key with its load); when a concurrent request with the
// same key committed first, answers with that one's response instead.
template <typename F>
http::Response WithIdempotency(ApiContext& context, const http::Request& request,
                               const std::optional<db::IdempotencyRecord>& key, F load_request) {
  if (key) {
    if (auto replay = ReplayIfSeen(context, request.path, *key)) return std::move(*replay);
  }
  try {
    return load_request();
  } catch (const core::Error& error) {
    if (!key || error.code() != core::ErrorCode::kConflict) throw;
    if (auto replay = ReplayIfSeen(context, request.path, *key)) return std::move(*replay);
    throw;
  }
}

}  // namespace migration::api
