// /v1/loads: the load history and each load's rejects.

#include "api/loads_api.hpp"

#include <fmt/format.h>

#include "api/idempotency.hpp"
#include "api/idempotent_load.hpp"
#include "api/json_render.hpp"
#include "api/load_response.hpp"
#include "api/query_params.hpp"
#include "core/error.hpp"
#include "extract/rejects_csv.hpp"
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

// Hands the rejects CSV to the server a piece at a time (on a worker, each after the last was sent).
class RejectsCsvProducer final : public http::BodyProducer {
 public:
  explicit RejectsCsvProducer(extract::RejectsCsv csv) : csv_(std::move(csv)) {}
  bool Next(std::string& piece) override { return csv_.Next(piece, kPieceBytes); }

 private:
  extract::RejectsCsv csv_;
};

bool WantsRejectsCsv(const http::Request& request) {
  const auto format = request.Query("format");
  if (!format || *format == "json") return false;
  if (*format != "csv")
    throw Error(ErrorCode::kBadRequest, fmt::format("format must be json or csv, got \"{}\"", *format));
  // Paging parameters would be silently ignored: refused, like an unknown one.
  if (request.Query("limit") || request.Query("after")) {
    throw Error(ErrorCode::kBadRequest, "limit and after page the JSON list; format=csv is every reject of the load");
  }
  return true;
}

// Every reject of the load, streamed: its columns as sent, line (or index) and errors.
http::Response RejectsCsv(ApiContext& context, const db::LoadRecord& load) {
  // Built here, on the worker, so a failure of its first read is still a status.
  auto producer = std::make_shared<RejectsCsvProducer>(
      extract::RejectsCsv(load.table, extract::RejectPagesOf(context.db, load.id)));
  http::Response response{200, "text/csv; charset=utf-8", "", {}};
  response.headers.emplace_back("Content-Disposition",
                                fmt::format("attachment; filename=\"load-{}-rejects.csv\"", load.id));
  response.producer = std::move(producer);
  return response;
}

http::Response ListRejects(ApiContext& context, http::Request& request) {
  const db::LoadRecord load = FindLoad(context, request);
  if (WantsRejectsCsv(request)) return RejectsCsv(context, load);
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
  retry.trace_id = request.trace.trace_id;
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
              {"limit", "after", "format"}});
  router.Add({"POST",
              "/v1/loads/{id}/rejects/retry",
              0,
              [&context](const http::Request& r) { return RetryRejects(context, r); },
              nullptr,
              "",
              {"dry_run"}});
}

}  // namespace migration::api
