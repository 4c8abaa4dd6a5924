#pragma once
// One CSV file into one load, whichever way the file arrives: an HTTP upload (api/tables_api.cpp
// feeds the body and renders the result) or a local file or S3 object of the CLI's `load`
// (app/load_command.cpp).
//
//   LoadCsvFile(db, options, source)  reads the file once: archives it (when a store is given) and
//                                     feeds the CSV reader and the load; commits only a file read
//                                     whole with at least one data row, and removes the archive of
//                                     a load that did not commit.
//   UploadPipeline                    an upload: the file's bytes are spooled to local disk as they
//                                     arrive (a slow client holds no transaction, lock, connection
//                                     or load slot), then LoadCsvFile runs over the spool at disk
//                                     speed. An upload that never reached its load is still recorded,
//                                     as a failed load, so every attempt shows in the load history.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/table.hpp"
#include "db/database.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/load.hpp"
#include "ingest/upload_spool.hpp"
#include "storage/object_store.hpp"

namespace migration::ingest {

// Calls its argument with the file's bytes, in order, piece by piece.
using ByteSink = std::function<void(std::string_view)>;
using ByteSource = std::function<void(const ByteSink& sink)>;

struct CsvFileOptions {
  LoadOptions load;
  HeaderMode header = HeaderMode::kAuto;
  ExtraColumns extra_columns = ExtraColumns::kReject;
  // Where the file is archived (ArchiveKey); null: not archived (nor is a dry run's file).
  storage::ObjectStore* archive = nullptr;
  // Where the file already lives in object storage (an import's object), recorded as the load's
  // archive instead of a copy.
  std::string stored_at;
  // The load's id, as soon as the load is recorded (so a failure can name it).
  std::function<void(int64_t load_id)> started;
  // After each piece: the file's bytes read so far and the load's counts so far (a progress line).
  std::function<void(uint64_t bytes, const db::LoadCounts& counts)> progress;
};

// Runs the load. Throws core::Error(kUnprocessable) for a file without data rows (an empty file,
// or only a header line), recorded as a failed load; any other failure is the load's own.
LoadResult LoadCsvFile(db::Database& db, const CsvFileOptions& options, const ByteSource& source);

// uploads/{table}/{YYYY}/{MM}/{DD}/{load_id}.csv, dated by `at` (UTC microseconds).
std::string ArchiveKey(core::Table table, int64_t load_id, int64_t at);

class UploadPipeline {
 public:
  // Throws core::Error(kUnavailable) when no spool file can be made in `scratch_dir`.
  UploadPipeline(db::Database& db, CsvFileOptions options, const std::string& scratch_dir, uint64_t max_bytes);
  // An upload neither loaded, abandoned nor aborted is recorded as a failed load.
  ~UploadPipeline();
  UploadPipeline(const UploadPipeline&) = delete;
  UploadPipeline& operator=(const UploadPipeline&) = delete;

  // The file's next bytes. Throws core::Error(kPayloadTooLarge) past `max_bytes`.
  void Write(std::string_view bytes);
  // The body is whole: LoadCsvFile over the spool (the caller holds a load slot), committing
  // `idempotency` with the load (its fingerprint is known only now). The spool's disk space is
  // free before the load commits.
  LoadResult Load(std::optional<db::IdempotencyRecord> idempotency = std::nullopt);
  // The upload will not be loaded and is answered otherwise (an Idempotency-Key's replay, a
  // refusal): nothing is recorded for it.
  void Abandon() { settled_ = true; }
  // The upload ended before its load (client gone, malformed framing): recorded as a failed load
  // with `reason`. Does nothing once Load() began or Abandon() was called.
  void Abort(const std::string& reason) noexcept;

 private:
  db::Database& db_;
  CsvFileOptions options_;
  std::unique_ptr<UploadSpool> spool_;
  bool settled_ = false;  // loaded, abandoned or recorded as failed
};

}  // namespace migration::ingest
