// /v1/loads: the load history and each load's rejects.

#include "api/loads_api.hpp"

#include <fmt/format.h>

#include "api/idempotency.hpp"
#include "api/idempotent_load.hpp"
#include "api/json_render.hpp"
#include "api/load_response.hpp"
#include "api/query_params.hpp"
#include "core/error.hpp"
#include "ingest/reject_retry.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

http::Response ListLoads(ApiContext& context, http::Request& request) {
  const db::Page page = PageParams(request);
  const auto loads = context.db.ListLoads(page);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& load : loads) items.push_back(LoadJson(load));
  const bool more = static_cast<int>(loads.size()) == page.limit;
  return http::Response::Json(
      200, Dump({{"items", std::move(items)}, {"next", more ? nlohmann::json(loads.back().id) : nlohmann::json()}}));
}

db::LoadRecord FindLoad(ApiContext& context, const http::Request& request) {
  const int64_t id = IdParam(request, "id");
  auto load = context.db.GetLoad(id);
  if (!load) throw Error(ErrorCode::kNotFound, fmt::format("there is no load {}", id));
  return *load;
}

http::Response GetLoad(ApiContext& context, const http::Request& request) {
  return http::Response::Json(200, Dump(LoadJson(FindLoad(context, request))));
}

http::Response ListRejects(ApiContext& context, http::Request& request) {
  const db::LoadRecord load = FindLoad(context, request);
  const db::Page page = PageParams(request);
  const auto rejects = context.db.ListRejects(load.id, page);
  // A page may end before `limit` to stay under its byte budget: `next` then resumes after it.
  BoundedRejects page_items = RejectsJson(rejects, kRejectsPageBudget);
  const bool more = page_items.count < rejects.size() || static_cast<int>(rejects.size()) == page.limit;
  return http::Response::Json(
      200, Dump({{"items", std::move(page_items.items)},
                 {"next", more ? nlohmann::json(rejects[page_items.count - 1].seq) : nlohmann::json()}}));
}

// Loads again the rejects of a load that are valid now, as a new load naming it (retry_of).
http::Response RetryRejects(ApiContext& context, const http::Request& request) {
  const db::LoadRecord original = FindLoad(context, request);
  ingest::RetryOptions retry;
  retry.dry_run = BoolParam(request, "dry_run", false);
  retry.idempotency = IdempotencyParam(context, request);
  if (retry.idempotency) retry.idempotency->fingerprint = FingerprintOf(request);
  return WithIdempotency(context, request, retry.idempotency, [&] {
    const LoadSlots::Slot slot = LoadSlots::Take(context.load_slots);
    return LoadResponse(ingest::RetryRejects(context.db, original, retry), request.path);
  });
}

}  // namespace

void RegisterLoadRoutes(http::Router& router, ApiContext& context) {
  router.Add({"GET",
              "/v1/loads",
              0,
              [&context](http::Request& r) { return ListLoads(context, r); },
              nullptr,
              "",
              {"limit", "after"}});
  router.Add(
      {"GET", "/v1/loads/{id}", 0, [&context](const http::Request& r) { return GetLoad(context, r); }, nullptr, ""});
  router.Add({"GET",
              "/v1/loads/{id}/rejects",
              0,
              [&context](http::Request& r) { return ListRejects(context, r); },
              nullptr,
              "",
              {"limit", "after"}});
  router.Add({"POST",
              "/v1/loads/{id}/rejects/retry",
              0,
              [&context](const http::Request& r) { return RetryRejects(context, r); },
              nullptr,
              "",
              {"dry_run"}});
}

}  // namespace migration::api
