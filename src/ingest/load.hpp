#pragma once
// One load: the rows of one request (or one file of the CLI) going into one table, atomically.
//
//   Load load(db, options);           // records the load (running), opens its transaction
//   load.AddRecord(fields, pos, raw)  // each record, in input order: validated, checked, queued
//   load.AddReject(pos, raw, errors)  // a record its reader could not even split into fields
//   LoadResult r = load.Finish();     // writes what is queued, commits rows + rejects + record
//
// Anything that throws, or destroying a Load before Finish(), rolls everything back and marks
// the load failed: no half-loaded input, ever (DESIGN §4). Rows are written in batches (bulk
// COPY on PostgreSQL) so memory stays flat whatever the input size.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/database.hpp"
#include "ingest/field_error.hpp"
#include "ingest/id_set.hpp"
#include "ingest/record_sink.hpp"

namespace migration::ingest {

// What a reject keeps of its raw record: the first kMaxRawBytes (its full length is stored beside
// it). A record may be up to 1 MiB; kept whole, 20,000 queued rejects or a page of them could be GBs.
inline constexpr size_t kMaxRawBytes = 4096;
// The queues are written out at batch_rows rows or at this many bytes, whichever comes first.
inline constexpr size_t kQueueBytes = 8u << 20;

struct LoadOptions {
  core::Table table = core::Table::kDepartments;
  db::OnConflict on_conflict = db::OnConflict::kReject;
  bool atomic = false;  // all rows valid or none written (batches)
  // Every check against the database as it is, the same counts and rejects, the rejects and the
  // load record (status dry_run) stored; no row written, no report count or data version changed.
  bool dry_run = false;
  db::RejectLocator locator = db::RejectLocator::kLine;
  std::string source = "upload";
  std::optional<int64_t> retry_of;  // the load whose rejects this one retries (ingest/reject_retry.hpp)
  std::string trace_id;             // the trace of the request or CLI run (stored with the load)
  size_t batch_rows = 20000;        // rows per bulk write
  // The import job step this load is (ingest/import jobs): marked done inside the load's
  // transaction, fenced by the job's lease (load_id, status and counts are filled in here).
  std::optional<db::ImportStepCommit> import_step;
  // Called once the load's record exists, before its transaction opens: on SQLite the transaction
  // holds the only write lock, so what the caller records about the load must be written here.
  std::function<void(int64_t load_id)> recorded;
  // The client's Idempotency-Key, committed with the load (load_id is filled in by the load).
  std::optional<db::IdempotencyRecord> idempotency;
};

struct LoadResult {
  db::LoadRecord record;
  std::vector<db::StoredReject> first_rejects;  // up to 100, in input order
  double duration_ms = 0;
};

class Load final : public RecordSink {
 public:
  Load(db::Database& db, LoadOptions options);
  ~Load() override;
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  int64_t id() const { return record_.id; }
  const db::LoadCounts& counts() const { return record_.counts; }

  // A record split into fields (std::nullopt = absent). `position`: CSV line or JSON index.
  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                 std::string_view raw) override;
  void AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) override;

  // Where the load's input was archived (object storage URL), stored with the load when it commits.
  void SetArchive(std::string location) { record_.archive = std::move(location); }

  LoadResult Finish();
  // Rolls back and records the load as failed with `reason` (idempotent; no-op after Finish).
  void Abort(const std::string& why);

 private:
  void FlushIfFull();
  void Flush();
  void WriteQueuedRows();
  void WriteQueuedRejects();
  void QueueReject(int64_t position, std::string_view raw, std::vector<FieldError> errors);
  bool ReferenceExists(core::Table parent, int32_t id) const;

  db::Database& db_;
  LoadOptions options_;
  db::LoadRecord record_;
  std::unique_ptr<db::LoadTransaction> tx_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;

  IdSet seen_ids_;
  std::vector<int32_t> department_ids_;  // sorted; foreign-key targets of hired_employees
  std::vector<int32_t> job_ids_;

  // Queued until the next Flush(): valid rows with where they came from, and rejects.
  std::vector<core::Row> rows_;
  std::unordered_map<int32_t, size_t> queued_index_;  // on_conflict=update: id -> index in rows_
  std::vector<int64_t> row_positions_;
  std::vector<std::string> row_raws_;
  std::vector<db::RejectRecord> rejects_;
  core::Row scratch_;
  size_t queued_bytes_ = 0;  // raw text and error lists queued, bounded by kQueueBytes
  bool flushing_ = false;
  bool rows_withheld_ = false;  // atomic load with an invalid row: nothing will be written
  // Rejected rows per distinct error code, for the metrics once the load commits.
  std::map<std::string, uint64_t> rejected_by_code_;
};

}  // namespace migration::ingest
