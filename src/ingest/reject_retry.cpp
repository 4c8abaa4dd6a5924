#include "ingest/reject_retry.hpp"

#include <fmt/format.h>

#include <string>

#include "core/error.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"

namespace migration::ingest {
namespace {

using core::Error;
using core::ErrorCode;

// Rejects are read a page at a time: memory stays bounded whatever their number.
constexpr int kRejectsPerPage = 1000;

// Hands one re-read record to the load under its first position, and notes that it came.
class AtFirstPosition final : public RecordSink {
 public:
  AtFirstPosition(Load& load, int64_t position) : load_(load), position_(position) {}

  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t /*position*/,
                 std::string_view raw) override {
    ++records_;
    load_.AddRecord(fields, position_, raw);
  }
  void AddReject(int64_t /*position*/, std::string_view raw, std::vector<FieldError> errors) override {
    ++records_;
    load_.AddReject(position_, raw, std::move(errors));
  }
  int records() const { return records_; }

 private:
  Load& load_;
  int64_t position_;
  int records_ = 0;
};

void Retry(Load& load, core::Table table, const db::RejectRecord& reject) {
  if (reject.raw_truncated()) {
    load.AddReject(reject.position, reject.raw,
                   {{"", "record_cut",
                     fmt::format("only the first {} of this record's {} bytes were kept, so it cannot be checked "
                                 "again; send it in a new upload",
                                 reject.raw.size(), reject.raw_length)}});
    return;
  }
  AtFirstPosition sink(load, reject.position);
  if (reject.locator == db::RejectLocator::kIndex) {
    try {
      JsonRows(fmt::format("[{}]", reject.raw)).FeedTo(sink, table);
    } catch (const Error& error) {
      load.AddReject(reject.position, reject.raw, {{"", "malformed_json", error.detail()}});
      return;
    }
  } else {
    CsvInput csv(sink, table, HeaderMode::kAbsent);
    csv.Consume(reject.raw);
    csv.Finish();
  }
  // Not even one record (a blank line kept as a reject): it stays rejected rather than vanish.
  if (sink.records() == 0) load.AddReject(reject.position, reject.raw, {{"", "empty_record", "the record is empty"}});
}

}  // namespace

LoadResult RetryRejects(db::Database& db, const db::LoadRecord& original, const RetryOptions& retry) {
  if (original.status == db::LoadStatus::kRunning || original.status == db::LoadStatus::kFailed) {
    throw Error(ErrorCode::kUnprocessable,
                fmt::format("load {} did not commit, so it kept no rejects; send its input again", original.id));
  }
  if (original.counts.rejected == 0) {
    throw Error(ErrorCode::kUnprocessable, fmt::format("load {} has no rejects to retry", original.id));
  }
  auto page = db.ListRejects(original.id, {0, kRejectsPerPage});
  LoadOptions options;
  options.table = original.table;
  options.on_conflict = original.on_conflict;
  options.locator = page.empty() ? db::RejectLocator::kLine : page.front().reject.locator;
  options.source = "retry";
  options.retry_of = original.id;
  options.dry_run = retry.dry_run;
  options.idempotency = retry.idempotency;
  options.trace_id = retry.trace_id;
  Load load(db, options);
  while (!page.empty()) {
    for (const auto& stored : page) Retry(load, original.table, stored.reject);
    if (page.size() < static_cast<size_t>(kRejectsPerPage)) break;
    page = db.ListRejects(original.id, {page.back().seq, kRejectsPerPage});
  }
  return load.Finish();
}

}  // namespace migration::ingest
