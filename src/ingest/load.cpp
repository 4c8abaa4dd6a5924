#include "ingest/load.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>

#include "core/error.hpp"
#include "core/host_name.hpp"
#include "core/time.hpp"
#include "ingest/row_rules.hpp"
#include "observability/log.hpp"
#include "observability/service_metrics.hpp"

namespace migration::ingest {
namespace {

using core::Table;

constexpr int kFirstRejects = 100;

std::vector<int32_t> SortedIds(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

namespace {

nlohmann::json ErrorsJson(const std::vector<FieldError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : errors) out.push_back({{"field", e.field}, {"code", e.code}, {"message", e.message}});
  return out;
}

// The prefix of a raw record that a reject keeps: at most kMaxRawBytes, cut before a UTF-8
// continuation byte so a valid record stays valid text.
std::string_view RawPrefix(std::string_view raw) {
  if (raw.size() <= kMaxRawBytes) return raw;
  size_t cut = kMaxRawBytes;
  for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80; ++back) --cut;
  return raw.substr(0, cut);
}

}  // namespace

Load::Load(db::Database& db, LoadOptions options)
    : db_(db), options_(std::move(options)), started_(std::chrono::steady_clock::now()) {
  record_.table = options_.table;
  record_.source = options_.source;
  record_.on_conflict = options_.on_conflict;
  record_.retry_of = options_.retry_of;
  record_.trace_id = options_.trace_id;
  record_.started_us = core::NowMicros();
  record_.host = core::ProcessName();
  record_.id = db_.CreateLoad(record_);
  try {
    if (options_.recorded) options_.recorded(record_.id);
    tx_ = db_.BeginLoad(record_.id, options_.dry_run ? db::LoadMode::kDryRun : db::LoadMode::kWrite);
    if (options_.table == Table::kHiredEmployees) {
      department_ids_ = SortedIds(tx_->ExistingIds(Table::kDepartments));
      job_ids_ = SortedIds(tx_->ExistingIds(Table::kJobs));
    }
  } catch (const std::exception& e) {
    Abort(e.what());
    throw;
  }
  rows_.reserve(options_.batch_rows);
}

Load::~Load() {
  if (!finished_) Abort("the load was interrupted before it finished");
}

bool Load::ReferenceExists(Table parent, int32_t id) const {
  const auto& ids = parent == Table::kDepartments ? department_ids_ : job_ids_;
  return std::binary_search(ids.begin(), ids.end(), id);
}

void Load::AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position, std::string_view raw) {
  ++record_.counts.received;
  std::vector<FieldError> errors = ValidateFields(options_.table, fields, scratch_);
  if (errors.empty() && options_.table == Table::kHiredEmployees) {
    if (!ReferenceExists(Table::kDepartments, scratch_.department_id)) {
      errors.push_back({"department_id", "unknown_reference",
                        fmt::format("department_id {} does not name an existing department; load departments first",
                                    scratch_.department_id)});
    }
    if (!ReferenceExists(Table::kJobs, scratch_.job_id)) {
      errors.push_back({"job_id", "unknown_reference",
                        fmt::format("job_id {} does not name an existing job; load jobs first", scratch_.job_id)});
    }
  }
  if (!errors.empty()) {
    QueueReject(position, raw, std::move(errors));
    FlushIfFull();
    return;
  }
  if (!seen_ids_.Insert(scratch_.id)) {
    switch (options_.on_conflict) {
      case db::OnConflict::kReject:
        QueueReject(position, raw,
                    {{"id", "duplicate", fmt::format("id {} appears earlier in this same input", scratch_.id)}});
        FlushIfFull();
        return;
      case db::OnConflict::kSkip: ++record_.counts.skipped; return;
      case db::OnConflict::kUpdate: {
        // The later row wins. If the earlier one is still queued, replace it in place (ids must be
        // unique within one bulk write); otherwise it is written already and this one updates it.
        if (const auto it = queued_index_.find(scratch_.id); it != queued_index_.end()) {
          const size_t index = it->second;
          rows_[index] = scratch_;
          row_positions_[index] = position;
          queued_bytes_ += raw.size();  // counted again: an upper bound is all the flush needs
          row_raws_[index] = std::string(raw);
          ++record_.counts.updated;
          return;
        }
        if (options_.dry_run) {
          // The earlier row's write was undone, so the table cannot say it exists: it would.
          ++record_.counts.updated;
          return;
        }
        break;
      }
    }
  }
  if (options_.on_conflict == db::OnConflict::kUpdate) queued_index_[scratch_.id] = rows_.size();
  rows_.push_back(scratch_);
  row_positions_.push_back(position);
  row_raws_.emplace_back(raw);
  queued_bytes_ += raw.size();
  FlushIfFull();
}

void Load::AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) {
  ++record_.counts.received;
  QueueReject(position, raw, std::move(errors));
  FlushIfFull();
}

void Load::FlushIfFull() {
  if (options_.atomic) return;  // an atomic batch is written whole by Finish() (at most 1000 rows)
  if (rows_.size() >= options_.batch_rows || rejects_.size() >= options_.batch_rows || queued_bytes_ >= kQueueBytes) {
    Flush();
  }
}

// Queues a reject; never writes (only FlushIfFull() and Finish() do), so the flush that reports
// the conflicts of a bulk write can queue them without re-entering itself.
void Load::QueueReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) {
  ++record_.counts.rejected;
  errors = CapErrors(std::move(errors));
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto& code = errors[i].code;
    const bool repeated = std::any_of(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(i),
                                      [&code](const FieldError& e) { return e.code == code; });
    if (!repeated) ++rejected_by_code_[code];
  }
  if (options_.atomic) rows_withheld_ = true;
  nlohmann::json errors_json = ErrorsJson(errors);
  std::string stored = errors_json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  observability::LogWarn("row_rejected", {{"load_id", record_.id},
                                          {"table", core::TableName(options_.table)},
                                          {std::string(db::RejectLocatorName(options_.locator)), position},
                                          {"errors", std::move(errors_json)}});
  const std::string_view kept = RawPrefix(raw);
  queued_bytes_ += kept.size() + stored.size();
  rejects_.push_back(
      {options_.locator, position, std::string(kept), std::move(stored), static_cast<int64_t>(raw.size())});
}

void Load::Flush() {
  // A flush must never start inside another: the inner one would write rows the outer one has
  // not cleared yet, conflict on them again and recurse forever (re-uploading a file of existing
  // ids used to do exactly that once its duplicates filled the reject queue).
  if (flushing_) throw core::Error(core::ErrorCode::kInternal, "a load's flush re-entered itself");
  flushing_ = true;
  try {
    WriteQueuedRows();
    WriteQueuedRejects();
  } catch (...) {
    flushing_ = false;
    throw;
  }
  flushing_ = false;
}

void Load::WriteQueuedRows() {
  if (!rows_.empty() && !rows_withheld_) {
    const db::WriteResult result = tx_->WriteRows(options_.table, rows_, options_.on_conflict, options_.atomic);
    record_.counts.inserted += result.inserted;
    record_.counts.updated += result.updated;
    for (const uint32_t index : result.conflicts) {
      if (options_.on_conflict == db::OnConflict::kSkip) {
        ++record_.counts.skipped;
        continue;
      }
      QueueReject(row_positions_[index], row_raws_[index],
                  {{"id", "duplicate",
                    fmt::format("id {} already exists in {}; use on_conflict=update to overwrite or "
                                "on_conflict=skip to ignore",
                                rows_[index].id, core::TableName(options_.table))}});
    }
    if (options_.atomic && !result.conflicts.empty()) rows_withheld_ = true;
  }
  rows_.clear();
  queued_index_.clear();
  row_positions_.clear();
  row_raws_.clear();
}

void Load::WriteQueuedRejects() {
  if (!rejects_.empty()) {
    // Duplicates are found after the batch's other rejects: restore input order.
    std::stable_sort(rejects_.begin(), rejects_.end(),
                     [](const db::RejectRecord& a, const db::RejectRecord& b) { return a.position < b.position; });
    tx_->WriteRejects(rejects_);
    rejects_.clear();
  }
  queued_bytes_ = 0;
}

LoadResult Load::Finish() {
  try {
    Flush();
    auto& c = record_.counts;
    if (rows_withheld_) {
      // An atomic load with an invalid row: nothing of its rows was written. Valid rows are not
      // rejects, they were simply not inserted; the counts say so.
      c.inserted = 0;
      c.updated = 0;
      c.skipped = 0;
    }
    record_.status = options_.dry_run ? db::LoadStatus::kDryRun : db::OutcomeOf(c);
    if (options_.idempotency) tx_->RecordIdempotencyKey(*options_.idempotency);
    if (options_.import_step) {
      // The job's step is marked done with these rows, or neither commits (lease lost, cancel).
      db::ImportStepCommit step = *options_.import_step;
      step.load_id = record_.id;
      step.status = db::LoadStatusName(record_.status);
      step.counts = c;
      tx_->CompleteImportStep(step);
    }
    // The finish time is stored as is, so a replay (Idempotency-Key) renders the same response.
    record_.finished_us = core::NowMicros();
    tx_->Commit(record_);
    tx_.reset();
    finished_ = true;
  } catch (const std::exception& e) {
    Abort(e.what());
    throw;
  }
  LoadResult result;
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  result.record = record_;
  if (record_.counts.rejected > 0) result.first_rejects = db_.ListRejects(record_.id, {0, kFirstRejects});
  observability::LogInfo("load_finished", {{"load_id", record_.id},
                                           {"table", core::TableName(options_.table)},
                                           {"status", db::LoadStatusName(record_.status)},
                                           {"rows_received", record_.counts.received},
                                           {"rows_inserted", record_.counts.inserted},
                                           {"rows_updated", record_.counts.updated},
                                           {"rows_rejected", record_.counts.rejected},
                                           {"rows_skipped", record_.counts.skipped},
                                           {"duration_ms", static_cast<int64_t>(result.duration_ms)}});
  observability::LoadSummary summary;
  summary.load_id = record_.id;
  summary.table = core::TableName(options_.table);
  summary.status = db::LoadStatusName(record_.status);
  summary.received = record_.counts.received;
  summary.inserted = record_.counts.inserted;
  summary.updated = record_.counts.updated;
  summary.rejected = record_.counts.rejected;
  summary.skipped = record_.counts.skipped;
  summary.duration_ms = result.duration_ms;
  summary.rejected_by_code = &rejected_by_code_;
  observability::RecordLoadFinished(summary);
  return result;
}

void Load::Abort(const std::string& why) {
  if (finished_) return;
  // Stored with the load, logged and returned: a database or reader message, kept to a bound.
  constexpr size_t kMaxReasonBytes = 1000;
  const std::string reason = why.size() > kMaxReasonBytes ? why.substr(0, kMaxReasonBytes) + "..." : why;
  finished_ = true;
  tx_.reset();  // rollback: none of the load's rows or rejects stay
  record_.status = db::LoadStatus::kFailed;
  try {
    db_.FailLoad(record_.id, record_.counts, reason);
  } catch (const std::exception& e) {
    // The database is gone too: the record stays "running" and is marked failed by the next
    // start of this host (Database::FailInterruptedLoads). Nothing was committed either way.
    observability::LogError("load_fail_record_failed", {{"load_id", record_.id}, {"error", e.what()}});
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  observability::LogWarn("load_failed", {{"load_id", record_.id},
                                         {"table", core::TableName(options_.table)},
                                         {"rows_received", record_.counts.received},
                                         {"duration_ms", static_cast<int64_t>(elapsed_ms)},
                                         {"reason", reason}});
  observability::RecordLoadFailed(record_.id, core::TableName(options_.table), elapsed_ms);
}

}  // namespace migration::ingest
