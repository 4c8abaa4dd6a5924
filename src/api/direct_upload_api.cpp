#include "api/direct_upload_api.hpp"

#include <fmt/format.h>

#include "api/import_json.hpp"
#include "api/json_render.hpp"
#include "api/query_params.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "imports/import_runner.hpp"
#include "ingest/csv_input.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr uint64_t kRequestBodyLimit = 4096;
// S3's smallest part (all but the last) and its largest single PUT.
constexpr uint64_t kMinPartBytes = 5ULL << 20;
constexpr uint64_t kMaxSinglePutBytes = 5ULL << 30;
// Parts per upload: bounds the answer (one URL each, under 1 KiB) to about a MiB. S3 allows
// 10,000; a larger file takes a larger S3_PART_SIZE_MIB.
constexpr uint64_t kMaxParts = 1000;

storage::ObjectStore& PresigningStore(ApiContext& context) {
  if (context.store == nullptr || !context.store->SupportsPresignedUrls()) {
    throw Error(ErrorCode::kBadRequest,
                "direct uploads need an S3 store (STORAGE_URL=s3://…); upload through POST /v1/{table}/upload");
  }
  return *context.store;
}

struct UploadRequest {
  uint64_t bytes = 0;
  std::string header = "auto";
  db::OnConflict on_conflict = db::OnConflict::kReject;
  bool dry_run = false;
};

UploadRequest ParseRequest(const http::Request& request, uint64_t max_bytes) {
  if (request.MediaType() != "application/json") {
    throw Error(ErrorCode::kUnsupportedMediaType, R"(send {"bytes": <file size>} as application/json)");
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) throw Error(ErrorCode::kBadRequest, "the body must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    if (name != "bytes" && name != "header" && name != "on_conflict" && name != "dry_run") {
      throw Error(ErrorCode::kBadRequest, fmt::format("unknown field \"{}\" (accepted: bytes, header, on_conflict, "
                                                      "dry_run)",
                                                      name.substr(0, 64)));
    }
  }
  UploadRequest out;
  if (!body.contains("bytes") || !body["bytes"].is_number_unsigned() || body["bytes"].get<uint64_t>() == 0) {
    throw Error(ErrorCode::kBadRequest, R"("bytes" is required: the file's size, a positive integer)");
  }
  out.bytes = body["bytes"].get<uint64_t>();
  if (out.bytes > max_bytes) {
    throw Error(ErrorCode::kPayloadTooLarge, fmt::format("the file is larger than {} bytes", max_bytes));
  }
  if (body.contains("header")) {
    if (!body["header"].is_string() || !ingest::HeaderModeFromName(body["header"].get<std::string>())) {
      throw Error(ErrorCode::kBadRequest, "\"header\" must be auto, present or absent");
    }
    out.header = body["header"].get<std::string>();
  }
  if (body.contains("on_conflict")) {
    const auto mode =
        body["on_conflict"].is_string() ? db::OnConflictFromName(body["on_conflict"].get<std::string>()) : std::nullopt;
    if (!mode) throw Error(ErrorCode::kBadRequest, "\"on_conflict\" must be reject, update or skip");
    out.on_conflict = *mode;
  }
  if (body.contains("dry_run") && !body["dry_run"].is_boolean()) {
    throw Error(ErrorCode::kBadRequest, "\"dry_run\" must be true or false");
  }
  out.dry_run = body.value("dry_run", false) || BoolParam(request, "dry_run", false);
  return out;
}

// uploads/{table}/{YYYY}/{MM}/{DD}/import-{id}.csv: beside the uploads' archives (named by load id),
// told apart from them by the prefix.
std::string DirectUploadKey(core::Table table) {
  const core::CivilDate date = core::UtcDate(core::NowMicros());
  return fmt::format("uploads/{}/{:04}/{:02}/{:02}/import-{}.csv", core::TableName(table), date.year, date.month,
                     date.day, db::kImportIdPlaceholder);
}

http::Response CreateUploadUrls(ApiContext& context, const http::Request& request) {
  const core::Table table = TableParam(request);
  storage::ObjectStore& store = PresigningStore(context);
  const uint64_t part_size = std::max(context.part_size, kMinPartBytes);
  const uint64_t max_bytes = std::min(context.max_upload_bytes, part_size * kMaxParts);
  const UploadRequest upload = ParseRequest(request, max_bytes);

  db::ImportRecord import;
  import.status = db::ImportStatus::kPending;
  import.header = upload.header;
  import.on_conflict = upload.on_conflict;
  import.dry_run = upload.dry_run;
  import.trace_id = request.trace.trace_id;
  db::ImportStep step;
  step.table = table;
  step.key = DirectUploadKey(table);
  step.bytes_total = upload.bytes;
  import.steps.push_back(step);
  import.source = "direct upload";
  const int64_t id = context.db.Imports().Create(import, std::nullopt);
  const std::string key = db::WithImportId(step.key, id);

  const auto valid_for = context.upload_url_ttl;
  nlohmann::json target;
  if (upload.bytes <= part_size && upload.bytes <= kMaxSinglePutBytes) {
    target = {{"method", "PUT"}, {"url", store.PresignUrl("PUT", key, {}, valid_for)}};
  } else {
    const std::string upload_id = store.StartMultipartUpload(key);
    nlohmann::json parts = nlohmann::json::array();
    const uint64_t count = (upload.bytes + part_size - 1) / part_size;
    for (uint64_t number = 1; number <= count; ++number) {
      parts.push_back(
          {{"part_number", number},
           {"url", store.PresignUrl("PUT", key, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
                                    valid_for)}});
    }
    target = {{"method", "multipart"},
              {"upload_id", upload_id},
              {"part_size", part_size},
              {"parts", std::move(parts)},
              {"complete",
               {{"method", "POST"}, {"url", store.PresignUrl("POST", key, {{"uploadId", upload_id}}, valid_for)}}}};
  }
  const auto stored = context.db.Imports().Get(id);
  nlohmann::json body = {{"import", ImportJson(stored.value_or(import), store)},
                         {"key", key},
                         {"location", store.Location(key)},
                         {"expires_at", core::FormatRfc3339(core::NowMicros() + valid_for.count() * 1000000)},
                         {"upload", std::move(target)},
                         {"start_url", fmt::format("/v1/imports/{}/start", id)}};
  http::Response response = http::Response::Json(201, Dump(body));
  response.headers.emplace_back("Location", fmt::format("/v1/imports/{}", id));
  return response;
}

// Queues a pending import whose object is now in the store. Starting one already started changes
// nothing and answers with it as it is (a retried start is harmless).
http::Response StartImport(ApiContext& context, const http::Request& request) {
  const int64_t id = IdParam(request, "id");
  auto import = context.db.Imports().Get(id);
  if (!import) throw Error(ErrorCode::kNotFound, fmt::format("there is no import {}", id));
  if (context.store == nullptr) {
    throw Error(ErrorCode::kUnavailable, "imports read from object storage, and none is configured (STORAGE_URL)");
  }
  storage::ObjectStore& store = *context.store;
  if (import->status == db::ImportStatus::kPending) {
    for (const auto& step : import->steps) {
      if (!store.Head(step.key)) {
        throw Error(ErrorCode::kConflict, fmt::format("{} has not been uploaded yet (or its multipart upload was not "
                                                      "completed): upload it, then start the import",
                                                      store.Location(step.key)));
      }
    }
    context.db.Imports().Start(id);
    if (context.import_runner != nullptr) context.import_runner->Notify();
    import = context.db.Imports().Get(id);
  } else if (import->status == db::ImportStatus::kCancelled) {
    throw Error(ErrorCode::kConflict, fmt::format("import {} was cancelled", id));
  }
  return http::Response::Json(202, Dump(ImportJson(*import, store)));
}

// What the web UI asks before an upload: whether this service hands out presigned URLs (an S3
// store) and with what part size and largest file, so a page never sends a request it knows fails.
http::Response DirectUploadSettings(ApiContext& context) {
  const bool enabled = context.store != nullptr && context.store->SupportsPresignedUrls();
  const uint64_t part_size = std::max(context.part_size, kMinPartBytes);
  nlohmann::json body = {{"enabled", enabled},
                         {"part_size", part_size},
                         {"max_bytes", enabled ? std::min(context.max_upload_bytes, part_size * kMaxParts) : 0},
                         {"url_ttl_seconds", context.upload_url_ttl.count()}};
  return http::Response::Json(200, Dump(body));
}

}  // namespace

void RegisterDirectUploadRoutes(http::Router& router, ApiContext& context) {
  router.Add({"GET", "/v1/direct-uploads", 0,
              [&context](const http::Request&) { return DirectUploadSettings(context); }, nullptr, ""});
  router.Add({"POST",
              "/v1/{table}/upload-urls",
              kRequestBodyLimit,
              [&context](const http::Request& r) { return CreateUploadUrls(context, r); },
              nullptr,
              "",
              {"dry_run"}});
  router.Add({"POST", "/v1/imports/{id}/start", 0,
              [&context](const http::Request& r) { return StartImport(context, r); }, nullptr, ""});
}

}  // namespace migration::api
