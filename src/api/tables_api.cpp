// /v1/{table}: historical CSV uploads (streamed), batches of 1..1000 rows, keyset reads, and the
// whole table out as CSV (api/table_export.hpp).

#include "api/tables_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "api/idempotency.hpp"
#include "api/idempotent_load.hpp"
#include "api/json_render.hpp"
#include "api/load_response.hpp"
#include "api/query_params.hpp"
#include "api/table_export.hpp"
#include "core/error.hpp"
#include "http/body/multipart_reader.hpp"
#include "http/problem.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"
#include "ingest/load.hpp"
#include "ingest/record_buffer.hpp"
#include "ingest/upload_pipeline.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr size_t kMaxBatchRows = 1000;
constexpr uint64_t kBatchBodyLimit = 8 * 1024 * 1024;

std::string CsvOrMultipartHint() {
  return "send the CSV as multipart/form-data (field \"file\") or as a text/csv body";
}

// Streams one upload into one load (ingest/upload_pipeline.hpp): multipart/form-data (part
// "file") or a raw text/csv body. This class only speaks HTTP: it reads the parameters, unwraps
// the multipart framing, answers a repeated Idempotency-Key, and renders the load's result.
class UploadConsumer final : public http::BodyConsumer {
 public:
  UploadConsumer(ApiContext& context, http::Request& request) : context_(context), request_path_(request.path) {
    ingest::CsvFileOptions options;
    options.load.table = TableParam(request);
    options.load.on_conflict = OnConflictParam(request);
    options.load.dry_run = BoolParam(request, "dry_run", false);
    options.load.trace_id = request.trace.trace_id;
    options.load.source = "upload";
    idempotency_ = IdempotencyParam(context, request);
    options.header = HeaderParam(request);
    options.extra_columns = ExtraColumnsParam(request);
    options.archive = context.store;
    const std::optional<std::string> boundary = MultipartBoundary(request);
    if (idempotency_) {
      // The fingerprint covers the file's bytes as they stream in (not the multipart framing, whose
      // boundary a client picks anew on each try).
      fingerprint_.emplace(request);
      // A key already used: the body is read to its end (the client is sending it) and hashed, not
      // spooled; Finish() replays the first response if it is the same request, else answers 422.
      replaying_ = context.db.FindIdempotencyKey(idempotency_->principal, idempotency_->key, idempotency_->ttl_seconds)
                       .has_value();
    }
    if (!replaying_) {
      // A busy server says so before the body is sent; the slot itself is taken when the load starts.
      LoadSlots::CheckFree(context.load_slots);
      upload_ = std::make_unique<ingest::UploadPipeline>(context.db, std::move(options), context.scratch_dir,
                                                         context.max_upload_bytes);
    }
    if (boundary) {
      multipart_ = std::make_unique<http::MultipartReader>(
          *boundary, http::MultipartReader::Callbacks{[this](const http::PartHeaders& part) {
                                                        in_file_part_ = part.name == "file" && !seen_file_part_;
                                                        seen_file_part_ = seen_file_part_ || in_file_part_;
                                                      },
                                                      [this](std::string_view data) {
                                                        if (in_file_part_) ConsumeFile(data);
                                                      },
                                                      [this] { in_file_part_ = false; }});
    }
  }

  void Consume(std::string_view chunk) override {
    if (multipart_) {
      multipart_->Feed(chunk);
    } else {
      ConsumeFile(chunk);
    }
  }

  http::Response Finish() override {
    try {
      if (multipart_) {
        multipart_->Finish();
        if (!seen_file_part_) {
          throw Error(ErrorCode::kBadRequest,
                      fmt::format("the multipart body has no part named \"file\"; {}", CsvOrMultipartHint()));
        }
      }
    } catch (const Error& error) {
      Abort(error.detail());
      throw;
    }
    if (idempotency_) {
      idempotency_->fingerprint = fingerprint_->FinishHex();
      // A retry (or a copy that committed while this body arrived): its response, or 422.
      if (auto replay = Replay()) return std::move(*replay);
      if (replaying_) {
        throw Error(ErrorCode::kConflict,
                    "this Idempotency-Key expired while the body was sent; send the request again");
      }
    }
    const LoadSlots::Slot slot = LoadSlots::Take(context_.load_slots);
    try {
      return LoadResponse(upload_->Load(idempotency_), request_path_);
    } catch (const Error& error) {
      // A concurrent upload with the same Idempotency-Key committed first: answer as it did.
      if (!idempotency_ || error.code() != ErrorCode::kConflict) throw;
      if (auto replay = Replay()) return std::move(*replay);
      throw;
    }
  }

  void Abort(const std::string& reason) override {
    if (upload_) upload_->Abort(reason);
  }

 private:
  static std::optional<std::string> MultipartBoundary(const http::Request& request) {
    const std::string media = request.MediaType();
    if (media == "text/csv") return std::nullopt;
    if (media != "multipart/form-data") {
      throw Error(ErrorCode::kUnsupportedMediaType,
                  fmt::format("Content-Type \"{}\" is not accepted here; {}", media, CsvOrMultipartHint()));
    }
    auto boundary = http::BoundaryFromContentType(*request.Header("content-type"));
    if (!boundary) throw Error(ErrorCode::kBadRequest, "multipart/form-data without a valid boundary parameter");
    return boundary;
  }

  std::optional<http::Response> Replay() {
    auto replay = ReplayIfSeen(context_, request_path_, *idempotency_);
    if (replay && upload_) upload_->Abandon();
    return replay;
  }

  // The file's bytes (not the multipart framing), kept until the body is complete.
  void ConsumeFile(std::string_view data) {
    if (fingerprint_) fingerprint_->Update(data);
    if (upload_) upload_->Write(data);
  }

  ApiContext& context_;
  std::string request_path_;
  std::optional<db::IdempotencyRecord> idempotency_;
  std::unique_ptr<ingest::UploadPipeline> upload_;  // null while replaying a used key
  std::unique_ptr<http::MultipartReader> multipart_;
  bool in_file_part_ = false;
  bool seen_file_part_ = false;
  std::optional<RequestFingerprint> fingerprint_;  // with an Idempotency-Key only
  bool replaying_ = false;                         // the key was used before: the body is hashed, not spooled or loaded
};

void CheckBatchSize(size_t rows) {
  if (rows == 0) throw Error(ErrorCode::kUnprocessable, "the batch is empty; send 1 to 1000 rows");
  if (rows > kMaxBatchRows) {
    throw Error(
        ErrorCode::kPayloadTooLarge,
        fmt::format("the batch has {} rows; send at most {} per request (use /upload for files)", rows, kMaxBatchRows));
  }
}

http::Response PostBatch(ApiContext& context, http::Request& request) {
  const core::Table table = TableParam(request);
  const LoadSlots::Slot slot = LoadSlots::Take(context.load_slots);
  ingest::LoadOptions options;
  options.table = table;
  options.on_conflict = OnConflictParam(request);
  options.atomic = BoolParam(request, "atomic", false);
  options.dry_run = BoolParam(request, "dry_run", false);
  options.trace_id = request.trace.trace_id;
  options.source = "batch";
  options.idempotency = IdempotencyParam(context, request);
  if (options.idempotency) options.idempotency->fingerprint = FingerprintOf(request);
  const std::string media = request.MediaType();
  if (media == "application/json") {
    const ingest::JsonRows rows(request.body);
    CheckBatchSize(rows.size());
    options.locator = db::RejectLocator::kIndex;
    return WithIdempotency(context, request, options.idempotency, [&] {
      ingest::Load load(context.db, options);
      rows.FeedTo(load, table);
      return LoadResponse(load.Finish(), request.path);
    });
  }
  if (media == "text/csv") {
    // Read once, counted against the batch limit, then loaded.
    ingest::RecordBuffer records;
    ingest::CsvInput csv(records, table, HeaderParam(request), ExtraColumnsParam(request));
    csv.Consume(request.body);
    csv.Finish();
    CheckBatchSize(records.size());
    options.locator = db::RejectLocator::kLine;
    return WithIdempotency(context, request, options.idempotency, [&] {
      ingest::Load load(context.db, options);
      records.FeedTo(load);
      return LoadResponse(load.Finish(), request.path);
    });
  }
  throw Error(ErrorCode::kUnsupportedMediaType,
              fmt::format("Content-Type \"{}\" is not accepted here; send application/json (an array of row objects) "
                          "or text/csv",
                          media));
}

http::Response ListRows(ApiContext& context, http::Request& request) {
  if (WantsTableCsv(request)) return ExportTableCsv(context, request);
  const core::Table table = TableParam(request);
  const db::Page page = PageParams(request);
  const auto rows = context.db.ListRows(table, page);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : rows) items.push_back(RowJson(table, row));
  const bool more = static_cast<int>(rows.size()) == page.limit;
  nlohmann::json body = {{"items", std::move(items)},
                         {"next", more ? nlohmann::json(rows.back().id) : nlohmann::json()}};
  return http::Response::Json(200, Dump(body));
}

http::Response GetRow(ApiContext& context, http::Request& request) {
  const core::Table table = TableParam(request);
  const int64_t id = IdParam(request, "id");
  const auto row =
      id <= std::numeric_limits<int32_t>::max() ? context.db.GetRow(table, static_cast<int32_t>(id)) : std::nullopt;
  if (!row) throw Error(ErrorCode::kNotFound, fmt::format("{} has no row with id {}", core::TableName(table), id));
  return http::Response::Json(200, Dump(RowJson(table, *row)));
}

}  // namespace

void RegisterTableRoutes(http::Router& router, ApiContext& context) {
  router.Add({"POST",
              "/v1/{table}/upload",
              context.max_upload_bytes,
              nullptr,
              [&context](http::Request& request) { return std::make_unique<UploadConsumer>(context, request); },
              "",
              {"on_conflict", "header", "extra_columns", "dry_run"}});
  router.Add({"POST",
              "/v1/{table}",
              kBatchBodyLimit,
              [&context](http::Request& request) { return PostBatch(context, request); },
              nullptr,
              "",
              {"on_conflict", "atomic", "header", "extra_columns", "dry_run"}});
  router.Add({"GET",
              "/v1/{table}",
              0,
              [&context](http::Request& request) { return ListRows(context, request); },
              nullptr,
              "",
              {"limit", "after", "format", "header"}});
  router.Add({"GET", "/v1/{table}/{id}", 0, [&context](http::Request& request) { return GetRow(context, request); },
              nullptr, ""});
}

}  // namespace migration::api
