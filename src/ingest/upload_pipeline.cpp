#include "ingest/upload_pipeline.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "observability/log.hpp"

namespace migration::ingest {
namespace {

using core::Error;
using core::ErrorCode;

// How much of the spool is read at a time: the archive's and the CSV reader's piece size.
constexpr size_t kSpoolPieceBytes = 256 * 1024;

// An archive being written; deleted again unless Keep() is called (its load did not commit: no
// archived file may claim otherwise).
class Archive {
 public:
  Archive(storage::ObjectStore* store, std::string key) : store_(store), key_(std::move(key)) {
    if (store_ != nullptr) writer_ = store_->OpenWriter(key_);
  }
  ~Archive() {
    if (writer_ == nullptr || kept_) return;
    try {
      if (finished_) {
        store_->Delete(key_);
      } else {
        writer_->Abort();
      }
    } catch (const std::exception& e) {
      observability::LogWarn("upload_archive_not_removed", {{"key", key_}, {"error", e.what()}});
    }
  }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  void Write(std::string_view bytes) {
    if (writer_ != nullptr) writer_->Write(bytes);
  }
  // The whole file is written; its location (empty when not archived).
  std::string Finish() {
    if (writer_ == nullptr) return {};
    writer_->Finish();
    finished_ = true;
    return store_->Location(key_);
  }
  void Keep() { kept_ = true; }

 private:
  storage::ObjectStore* store_;
  std::string key_;
  std::unique_ptr<storage::ObjectWriter> writer_;
  bool finished_ = false;
  bool kept_ = false;
};

}  // namespace

std::string ArchiveKey(core::Table table, int64_t load_id, int64_t at) {
  const core::CivilDate date = core::UtcDate(at);
  return fmt::format("uploads/{}/{:04}/{:02}/{:02}/{}.csv", core::TableName(table), date.year, date.month, date.day,
                     load_id);
}

LoadResult LoadCsvFile(db::Database& db, const CsvFileOptions& options, const ByteSource& source) {
  Load load(db, options.load);
  if (options.started) options.started(load.id());
  // A dry run keeps nothing but its record and rejects: the file is not archived either.
  Archive archive(options.load.dry_run ? nullptr : options.archive,
                  ArchiveKey(options.load.table, load.id(), core::NowMicros()));
  CsvInput csv(load, options.load.table, options.header, options.extra_columns);
  uint64_t bytes = 0;
  source([&](std::string_view piece) {
    archive.Write(piece);
    csv.Consume(piece);
    bytes += piece.size();
    if (options.progress) options.progress(bytes, load.counts());
  });
  csv.Finish();
  if (load.counts().received == 0) {
    load.Abort("the file has no data rows");
    throw Error(ErrorCode::kUnprocessable, "the CSV has no data rows (an empty file, or only a header line)");
  }
  load.SetArchive(archive.Finish());
  if (!options.stored_at.empty()) load.SetArchive(options.stored_at);
  LoadResult result = load.Finish();
  archive.Keep();
  return result;
}

UploadPipeline::UploadPipeline(db::Database& db, CsvFileOptions options, const std::string& scratch_dir,
                               uint64_t max_bytes)
    : db_(db), options_(std::move(options)), spool_(std::make_unique<UploadSpool>(scratch_dir, max_bytes)) {}

UploadPipeline::~UploadPipeline() { Abort("the upload ended before its body was complete"); }

void UploadPipeline::Write(std::string_view bytes) { spool_->Write(bytes); }

LoadResult UploadPipeline::Load(std::optional<db::IdempotencyRecord> idempotency) {
  settled_ = true;  // from here on the load records its own outcome
  CsvFileOptions options = options_;
  options.load.idempotency = std::move(idempotency);
  return LoadCsvFile(db_, options, [this](const ByteSink& sink) {
    spool_->ReadAll(kSpoolPieceBytes, sink);
    spool_.reset();
  });
}

void UploadPipeline::Abort(const std::string& reason) noexcept {
  if (settled_) return;
  settled_ = true;
  try {
    ingest::Load load(db_, options_.load);
    load.Abort(reason);
  } catch (const std::exception& e) {
    observability::LogWarn("upload_failure_not_recorded", {{"error", e.what()}, {"reason", reason}});
  }
}

}  // namespace migration::ingest
