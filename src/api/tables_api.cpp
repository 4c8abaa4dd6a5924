// /v1/{table}: historical CSV uploads (streamed), batches of 1..1000 rows, and keyset reads.

#include "api/tables_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

#include "api/idempotency.hpp"
#include "api/json_render.hpp"
#include "api/query_params.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "http/body/multipart_reader.hpp"
#include "http/problem.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"
#include "ingest/load.hpp"
#include "ingest/upload_spool.hpp"
#include "observability/log.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr size_t kMaxBatchRows = 1000;
constexpr uint64_t kBatchBodyLimit = 8 * 1024 * 1024;

// 201 when every row was created, 200 when some were rejected, updated or skipped, 422 (problem
// body carrying the same load fields) when nothing valid was written.
http::Response LoadResponse(const ingest::LoadResult& result, const http::Request& request) {
  nlohmann::json body = LoadResultJson(result);
  const auto& c = result.record.counts;
  if (result.record.status == db::LoadStatus::kRejected) {
    const std::string detail =
        c.rejected == c.received
            ? fmt::format("all {} rows were rejected; see rejects (line or index, field, message)", c.rejected)
            : fmt::format("{} of {} rows were rejected and the load is atomic, so nothing was inserted", c.rejected,
                          c.received);
    return http::Problem(ErrorCode::kUnprocessable, detail, request.path, body);
  }
  const bool all_created = c.inserted == c.received;
  return http::Response::Json(all_created ? 201 : 200, Dump(body));
}

// The Idempotency-Key header (api/idempotency.hpp) with this service's key lifetime; nullopt when
// absent. Its fingerprint is filled in once the body is known.
std::optional<db::IdempotencyRecord> IdempotencyParam(const ApiContext& context, const http::Request& request) {
  return IdempotencyKeyOf(request, context.idempotency_ttl);
}

// The first response of a request sent again with the same Idempotency-Key, rebuilt from its
// committed load; nullopt when the key is new.
std::optional<http::Response> ReplayIfSeen(ApiContext& context, const http::Request& request,
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
  http::Response response = LoadResponse(result, request);
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

// Runs `load_request` (which commits the key with its load); when a concurrent request with the
// same key committed first, answers with that one's response instead.
template <typename F>
http::Response WithIdempotency(ApiContext& context, const http::Request& request,
                               const std::optional<db::IdempotencyRecord>& key, F load_request) {
  if (key) {
    if (auto replay = ReplayIfSeen(context, request, *key)) return std::move(*replay);
  }
  try {
    return load_request();
  } catch (const Error& error) {
    if (!key || error.code() != ErrorCode::kConflict) throw;
    if (auto replay = ReplayIfSeen(context, request, *key)) return std::move(*replay);
    throw;
  }
}

std::string CsvOrMultipartHint() {
  return "send the CSV as multipart/form-data (field \"file\") or as a text/csv body";
}

// uploads/{table}/{YYYY}/{MM}/{DD}/{load_id}.csv, dated by the upload's start (UTC).
std::string ArchiveKey(core::Table table, int64_t load_id) {
  const auto now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  const std::string date = core::FormatRfc3339(now.count());  // YYYY-MM-DDT…
  return fmt::format("uploads/{}/{}/{}/{}/{}.csv", core::TableName(table), date.substr(0, 4), date.substr(5, 2),
                     date.substr(8, 2), load_id);
}

// Streams one upload into one load: multipart/form-data (part "file") or a raw text/csv body.
// The file's bytes are spooled to local disk as they arrive (ingest/upload_spool.hpp); the load
// (reader, database, archive) starts only once the body is complete and reads the spool at disk
// speed, so a client that sends slowly holds no transaction, lock, connection or load slot.
class UploadConsumer final : public http::BodyConsumer {
 public:
  UploadConsumer(ApiContext& context, http::Request& request) : context_(context), request_path_(request.path) {
    options_.table = TableParam(request);
    options_.on_conflict = OnConflictParam(request);
    header_ = HeaderParam(request);
    const std::string media = request.MediaType();
    std::optional<std::string> boundary;
    if (media == "multipart/form-data") {
      boundary = http::BoundaryFromContentType(*request.Header("content-type"));
      if (!boundary) throw Error(ErrorCode::kBadRequest, "multipart/form-data without a valid boundary parameter");
    } else if (media != "text/csv") {
      throw Error(ErrorCode::kUnsupportedMediaType,
                  fmt::format("Content-Type \"{}\" is not accepted here; {}", media, CsvOrMultipartHint()));
    }
    options_.source = "upload";
    options_.idempotency = IdempotencyParam(context, request);
    if (options_.idempotency) {
      // The fingerprint covers the file's bytes as they stream in (not the multipart framing, whose
      // boundary a client picks anew on each try).
      fingerprint_.emplace(request);
      // A key already used: the body is read to its end (the client is sending it) and hashed, not
      // spooled; Finish() replays the first response if it is the same request, else answers 422.
      const auto& key = *options_.idempotency;
      replaying_ = context.db.FindIdempotencyKey(key.principal, key.key, key.ttl_seconds).has_value();
    }
    if (!replaying_) {
      // A busy server says so before the body is sent; the slot itself is taken when the load starts.
      LoadSlots::CheckFree(context.load_slots);
      spool_ = std::make_unique<ingest::UploadSpool>(context.scratch_dir, context.max_upload_bytes);
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
    record_failure_ = !replaying_;
  }

  // An upload that ended before its load began (client gone, body cut off, broken multipart) is
  // still recorded, as a failed load (DESIGN §4); one whose load began is recorded by the load.
  ~UploadConsumer() override {
    if (record_failure_) RecordFailedLoad("the upload ended before its body was complete");
  }
  UploadConsumer(const UploadConsumer&) = delete;
  UploadConsumer& operator=(const UploadConsumer&) = delete;

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
      if (record_failure_) RecordFailedLoad(error.detail());
      throw;
    }
    record_failure_ = false;  // from here on the load records itself, or a refusal loads nothing
    if (options_.idempotency) {
      options_.idempotency->fingerprint = fingerprint_->FinishHex();
      // A retry (or a copy that committed while this body arrived): its response, or 422.
      http::Request head;
      head.method = "POST";
      head.path = request_path_;
      if (auto replay = ReplayIfSeen(context_, head, *options_.idempotency)) return std::move(*replay);
      if (replaying_) {
        throw Error(ErrorCode::kConflict,
                    "this Idempotency-Key expired while the body was sent; send the request "
                    "again");
      }
    }
    slot_.emplace(LoadSlots::Take(context_.load_slots));
    load_ = std::make_unique<ingest::Load>(context_.db, options_);
    ingest::CsvInput csv(*load_, options_.table, header_);
    if (context_.store != nullptr) {
      archive_key_ = ArchiveKey(options_.table, load_->id());
      archive_ = context_.store->OpenWriter(archive_key_);
    }
    // Archived and read in one pass over the spool, at disk speed.
    spool_->ReadAll(kSpoolPieceBytes, [&](std::string_view piece) {
      if (archive_) archive_->Write(piece);
      csv.Consume(piece);
    });
    spool_.reset();  // its disk space is free before the commit
    csv.Finish();
    if (load_->counts().received == 0) {
      load_->Abort("the upload has no data rows");
      throw Error(ErrorCode::kUnprocessable, "the CSV has no data rows (an empty file, or only a header line)");
    }
    http::Request request;
    request.path = request_path_;
    if (archive_) {
      archive_->Finish();
      load_->SetArchive(context_.store->Location(archive_key_));
    }
    try {
      return LoadResponse(load_->Finish(), request);
    } catch (const Error& error) {
      DeleteArchive();  // the load did not commit: no archived file may claim otherwise
      // A concurrent upload with the same Idempotency-Key committed first: answer as it did.
      if (!options_.idempotency || error.code() != ErrorCode::kConflict) throw;
      request.method = "POST";
      if (auto replay = ReplayIfSeen(context_, request, *options_.idempotency)) return std::move(*replay);
      throw;
    } catch (...) {
      DeleteArchive();
      throw;
    }
  }

  void Abort(const std::string& reason) override {
    if (archive_) archive_->Abort();
    if (load_) {
      load_->Abort(reason);
    } else if (record_failure_) {
      RecordFailedLoad(reason);
    }
  }

 private:
  static constexpr size_t kSpoolPieceBytes = 256 * 1024;

  // The file's bytes (not the multipart framing), kept until the body is complete.
  void ConsumeFile(std::string_view data) {
    if (fingerprint_) fingerprint_->Update(data);
    if (spool_) spool_->Write(data);
  }

  // A load that began and failed at once, so the attempt shows in the load history as before.
  void RecordFailedLoad(const std::string& reason) noexcept {
    record_failure_ = false;
    try {
      ingest::Load load(context_.db, options_);
      load.Abort(reason);
    } catch (const std::exception& e) {
      observability::LogWarn("upload_failure_not_recorded", {{"error", e.what()}, {"reason", reason}});
    }
  }

  void DeleteArchive() noexcept {
    if (!archive_) return;
    try {
      context_.store->Delete(archive_key_);
    } catch (const std::exception& e) {
      observability::LogWarn("upload_archive_not_removed", {{"key", archive_key_}, {"error", e.what()}});
    }
  }

  ApiContext& context_;
  std::string request_path_;
  ingest::LoadOptions options_;
  ingest::HeaderMode header_ = ingest::HeaderMode::kAuto;
  std::optional<LoadSlots::Slot> slot_;  // first in, last out: held until the consumer is gone
  std::unique_ptr<ingest::UploadSpool> spool_;
  std::unique_ptr<ingest::Load> load_;
  std::unique_ptr<http::MultipartReader> multipart_;
  std::string archive_key_;
  std::unique_ptr<storage::ObjectWriter> archive_;  // null when no object store is configured
  bool in_file_part_ = false;
  bool seen_file_part_ = false;
  bool record_failure_ = false;                    // set while the upload has not reached its load
  std::optional<RequestFingerprint> fingerprint_;  // with an Idempotency-Key only
  bool replaying_ = false;                         // the key was used before: the body is hashed, not spooled or loaded
};

// Counts the data records of a small CSV body without loading it (batch size check).
size_t CountCsvRecords(core::Table table, std::string_view body, ingest::HeaderMode header) {
  ingest::csv::CsvReader reader;
  size_t count = 0;
  bool first = true;
  const ingest::csv::CsvReader::Sink sink = [&](const ingest::csv::CsvRecord& record) {
    const bool is_header =
        first && (header == ingest::HeaderMode::kPresent || (header == ingest::HeaderMode::kAuto && !record.error &&
                                                             ingest::IsHeaderRecord(table, record.fields)));
    first = false;
    if (!is_header) ++count;
  };
  reader.Feed(body, sink);
  reader.Finish(sink);
  return count;
}

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
      return LoadResponse(load.Finish(), request);
    });
  }
  if (media == "text/csv") {
    const ingest::HeaderMode header = HeaderParam(request);
    CheckBatchSize(CountCsvRecords(table, request.body, header));
    options.locator = db::RejectLocator::kLine;
    return WithIdempotency(context, request, options.idempotency, [&] {
      ingest::Load load(context.db, options);
      ingest::CsvInput csv(load, table, header);
      csv.Consume(request.body);
      csv.Finish();
      return LoadResponse(load.Finish(), request);
    });
  }
  throw Error(ErrorCode::kUnsupportedMediaType,
              fmt::format("Content-Type \"{}\" is not accepted here; send application/json (an array of row objects) "
                          "or text/csv",
                          media));
}

http::Response ListRows(ApiContext& context, http::Request& request) {
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
  router.Add({"POST", "/v1/{table}/upload", context.max_upload_bytes, nullptr,
              [&context](http::Request& request) { return std::make_unique<UploadConsumer>(context, request); }, ""});
  router.Add({"POST", "/v1/{table}", kBatchBodyLimit,
              [&context](http::Request& request) { return PostBatch(context, request); }, nullptr, ""});
  router.Add({"GET", "/v1/{table}", 0, [&context](http::Request& request) { return ListRows(context, request); },
              nullptr, ""});
  router.Add({"GET", "/v1/{table}/{id}", 0, [&context](http::Request& request) { return GetRow(context, request); },
              nullptr, ""});
}

}  // namespace migration::api
