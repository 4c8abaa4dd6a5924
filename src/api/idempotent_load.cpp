#include "api/idempotent_load.hpp"

#include "api/idempotency.hpp"
#include "api/load_response.hpp"

namespace migration::api {

using core::Error;
using core::ErrorCode;

std::optional<db::IdempotencyRecord> IdempotencyParam(const ApiContext& context, const http::Request& request) {
  return IdempotencyKeyOf(request, context.idempotency_ttl);
}

std::optional<http::Response> ReplayIfSeen(ApiContext& context, const std::string& instance,
                                           const db::IdempotencyRecord& wanted) {
  const auto seen = context.db.FindIdempotencyKey(wanted.principal, wanted.key, wanted.ttl_seconds);
  if (!seen) return std::nullopt;
  // Same key, different request (method, path, query or body): refused, nothing loaded.
  if (!SameRequest(*seen, wanted)) throw Error(ErrorCode::kUnprocessable, KeyReusedDetail(*seen, wanted));
  const auto load = context.db.GetLoad(seen->load_id);
  if (!load) throw Error(ErrorCode::kInternal, "the load of this Idempotency-Key is missing");
  ingest::LoadResult result;
  result.record = *load;
  if (load->counts.rejected > 0) result.first_rejects = context.db.ListRejects(load->id, {0, 100});
  http::Response response = LoadResponse(result, instance);
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

}  // namespace migration::api
