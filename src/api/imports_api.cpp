// /v1/imports: a file (or a folder of them) already in object storage loaded by a job that any
// replica runs (imports/import_runner.hpp), watched and cancelled here.

#include "api/imports_api.hpp"

#include <fmt/format.h>

#include "api/idempotency.hpp"
#include "api/idempotent_load.hpp"
#include "api/import_json.hpp"
#include "api/import_request.hpp"
#include "api/json_render.hpp"
#include "api/query_params.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "imports/import_plan.hpp"
#include "imports/import_runner.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr uint64_t kImportBodyLimit = 16 * 1024;  // a source URL and a few options
constexpr size_t kMaxSourceBytes = 2048;

storage::ObjectStore& Store(const ApiContext& context) {
  if (context.store == nullptr) {
    throw Error(ErrorCode::kUnavailable, "imports read from object storage, and none is configured (STORAGE_URL)");
  }
  return *context.store;
}

// The database's copy, with the running step's progress from this replica's runner when it runs
// here (the database's is as old as the last lease renewal).
db::ImportRecord WithLiveProgress(ApiContext& context, db::ImportRecord import) {
  if (context.import_runner == nullptr || import.status != db::ImportStatus::kRunning) return import;
  const auto live = context.import_runner->Live(import.id);
  if (!live) return import;
  for (auto& step : import.steps) {
    if (step.position != live->position || step.status != "running") continue;
    step.bytes_read = live->bytes_read;
    step.counts = live->counts;
  }
  return import;
}

db::ImportRecord ImportFromBody(const ApiContext& context, const http::Request& request) {
  const nlohmann::json body = ImportRequestBody(request, R"({"source": "s3://…"})", {"source", "table"});
  db::ImportRecord import;
  import.source = StringField(body, "source", "");
  if (import.source.empty()) throw Error(ErrorCode::kBadRequest, R"("source" is required: "s3://bucket/key.csv")");
  if (import.source.size() > kMaxSourceBytes) {
    throw Error(ErrorCode::kBadRequest, fmt::format("\"source\" is longer than {} bytes", kMaxSourceBytes));
  }
  std::optional<core::Table> table;
  if (body.contains("table")) {
    const std::string name = StringField(body, "table", "");
    table = core::TableFromName(name);
    if (!table) {
      throw Error(ErrorCode::kBadRequest, "\"table\" must be departments, jobs or hired_employees");
    }
  }
  const ImportOptions options = ImportOptionsOf(body, request);
  import.header = options.header;
  import.on_conflict = options.on_conflict;
  import.dry_run = options.dry_run;
  import.trace_id = request.trace.trace_id;
  import.steps = imports::PlanImport(Store(context), import.source, table);
  return import;
}

http::Response ImportAccepted(const ApiContext& context, const db::ImportRecord& import) {
  http::Response response = http::Response::Json(202, Dump(ImportJson(import, Store(context))));
  response.headers.emplace_back("Location", fmt::format("/v1/imports/{}", import.id));
  return response;
}

// The first answer to a request sent again with the same Idempotency-Key: that job as it is now.
std::optional<http::Response> ReplayImportIfSeen(ApiContext& context, const db::IdempotencyRecord& wanted) {
  const auto seen = context.db.Imports().FindKey(wanted.principal, wanted.key, wanted.ttl_seconds);
  if (!seen) return std::nullopt;
  // Same key, another request (source, options): refused, nothing queued.
  if (!SameRequest(*seen, wanted)) throw Error(ErrorCode::kUnprocessable, KeyReusedDetail(*seen, wanted));
  const auto import = context.db.Imports().Get(seen->load_id);
  if (!import) throw Error(ErrorCode::kInternal, "the import of this Idempotency-Key is missing");
  http::Response response = ImportAccepted(context, *import);
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

http::Response CreateImport(ApiContext& context, const http::Request& request) {
  auto key = IdempotencyParam(context, request);
  if (key) {
    key->fingerprint = FingerprintOf(request);
    if (auto replay = ReplayImportIfSeen(context, *key)) return std::move(*replay);
  }
  db::ImportRecord import = ImportFromBody(context, request);
  import.status = db::ImportStatus::kQueued;
  try {
    import.id = context.db.Imports().Create(import, key);
  } catch (const Error& error) {
    // A concurrent request with the same key committed first: answer as it did.
    if (!key || error.code() != ErrorCode::kConflict) throw;
    if (auto replay = ReplayImportIfSeen(context, *key)) return std::move(*replay);
    throw;
  }
  if (context.import_runner != nullptr) context.import_runner->Notify();
  return ImportAccepted(context, context.db.Imports().Get(import.id).value_or(import));
}

db::ImportRecord FindImport(ApiContext& context, const http::Request& request) {
  const int64_t id = IdParam(request, "id");
  auto import = context.db.Imports().Get(id);
  if (!import) throw Error(ErrorCode::kNotFound, fmt::format("there is no import {}", id));
  return WithLiveProgress(context, std::move(*import));
}

http::Response GetImport(ApiContext& context, const http::Request& request) {
  return http::Response::Json(200, Dump(ImportJson(FindImport(context, request), Store(context))));
}

http::Response ListImports(ApiContext& context, const http::Request& request) {
  const db::Page page = PageParams(request);
  const auto imports = context.db.Imports().List(page.after, page.limit);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& import : imports) items.push_back(ImportJson(WithLiveProgress(context, import), Store(context)));
  const bool more = static_cast<int>(imports.size()) == page.limit;
  return http::Response::Json(
      200, Dump({{"items", std::move(items)}, {"next", more ? nlohmann::json(imports.back().id) : nlohmann::json()}}));
}

// 200: cancelled (it had not started); 202: the replica running it stops it (its load rolls back)
// within a lease renewal; 409: it has ended already.
http::Response CancelImport(ApiContext& context, const http::Request& request) {
  const int64_t id = IdParam(request, "id");
  // Running here: stopped at once, and the runner records the cancel itself (on SQLite the running
  // load holds the only write lock, so nothing else could write it meanwhile).
  if (context.import_runner != nullptr && context.import_runner->CancelLocal(id)) {
    return http::Response::Json(202, Dump(ImportJson(FindImport(context, request), Store(context))));
  }
  const db::CancelOutcome outcome = context.db.Imports().Cancel(id);
  if (outcome == db::CancelOutcome::kNotFound)
    throw Error(ErrorCode::kNotFound, fmt::format("there is no import {}", id));
  if (outcome == db::CancelOutcome::kAlreadyFinal) {
    throw Error(ErrorCode::kConflict, fmt::format("import {} has ended already; there is nothing to cancel", id));
  }
  const auto import = context.db.Imports().Get(id);
  return http::Response::Json(outcome == db::CancelOutcome::kCancelled ? 200 : 202,
                              Dump(ImportJson(import.value(), Store(context))));
}

}  // namespace

void RegisterImportRoutes(http::Router& router, ApiContext& context) {
  router.Add({"POST",
              "/v1/imports",
              kImportBodyLimit,
              [&context](const http::Request& r) { return CreateImport(context, r); },
              nullptr,
              "",
              {"dry_run"}});
  router.Add({"GET",
              "/v1/imports",
              0,
              [&context](const http::Request& r) { return ListImports(context, r); },
              nullptr,
              "",
              {"limit", "after"}});
  router.Add({"GET", "/v1/imports/{id}", 0, [&context](const http::Request& r) { return GetImport(context, r); },
              nullptr, ""});
  router.Add({"DELETE", "/v1/imports/{id}", 0, [&context](const http::Request& r) { return CancelImport(context, r); },
              nullptr, ""});
}

}  // namespace migration::api
