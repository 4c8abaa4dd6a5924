#include "db/postgres/pg_load_transaction.hpp"

#include <array>
#include <chrono>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/hire_counts.hpp"
#include "db/postgres/pg_copy.hpp"
#include "db/postgres/pg_imports.hpp"
#include "db/postgres/pg_sql_values.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

class PgLoadTransaction final : public LoadTransaction {
 public:
  PgLoadTransaction(PgPool& pool, int64_t load_id, LoadMode mode, std::atomic<uint64_t>& local_commits)
      : conn_(pool), load_id_(load_id), mode_(mode), local_commits_(local_commits) {
    conn_->Exec(pg_sql::kBeginLoad);
  }

  // Destroyed without Commit(): PgLease's destructor rolls the transaction back (or drops the
  // connection when it cannot), so nothing of the load stays.
  ~PgLoadTransaction() override = default;

  std::vector<int32_t> ExistingIds(Table table) override {
    // The ids are the foreign-key targets of the hires this load writes: SHARE keeps them as read
    // until the load commits (a restore of the table waits, and cannot orphan the new hires), while
    // other loads, which take it too, go on. Always departments then jobs: one order, no deadlock.
    conn_->Exec(TableStatements(table).lock_parent_table);
    const PgResult result = conn_->Exec(TableStatements(table).existing_ids);
    std::vector<int32_t> ids(static_cast<size_t>(result.Rows()));
    for (int i = 0; i < result.Rows(); ++i) ids[static_cast<size_t>(i)] = static_cast<int32_t>(result.Int(i, 0));
    return ids;
  }

  WriteResult WriteRows(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) override {
    if (mode_ == LoadMode::kWrite) return Write(table, rows, mode, all_or_nothing);
    // A dry run writes each batch exactly as a load would, so the same statements find the same
    // conflicts against the table as it is, then undoes it. Repeats within the input are the
    // load's to tell (ingest/load.cpp), as the undone rows are no longer there to conflict.
    conn_->Exec(pg_sql::kSavepointDryRun);
    const std::array<bool, 3> stages_before = stage_created_;
    WriteResult result = Write(table, rows, mode, all_or_nothing);
    conn_->Exec(pg_sql::kUndoDryRun);
    stage_created_ = stages_before;  // a staging table created since is undone with the rows
    conn_->Exec(pg_sql::kReleaseDryRun);
    return result;
  }

  void WriteRejects(std::span<const RejectRecord> rejects) override {
    if (rejects.empty()) return;
    CopyIn copy(*conn_, pg_sql::kWriteRejects);
    int64_t seq = reject_seq_;
    for (const auto& reject : rejects) {
      std::string& out = copy.buffer();
      AppendCopyInt(out, load_id_);
      AppendCopyInt(out, ++seq);
      (void)AppendCopyText(out, RejectLocatorName(reject.locator));
      AppendCopyInt(out, reject.position);
      AppendCopyBytea(out, reject.raw);
      if (!AppendCopyText(out, reject.errors_json)) {
        throw Error(ErrorCode::kInternal, "a reject's error list holds a NUL character, which PostgreSQL cannot store");
      }
      AppendCopyInt(out, reject.raw_length);
      copy.EndRow();
    }
    copy.Finish();
    reject_seq_ = seq;  // only once stored: a failed COPY fails the whole load anyway
  }

  void RecordIdempotencyKey(const IdempotencyRecord& record) override {
    PgParams params;
    params.Add(record.principal).Add(record.key).Add(record.request).Add(load_id_);
    params.Add(record.fingerprint).Add(record.ttl_seconds);
    // An expired key (not purged yet) is replaced; a live one is another request's.
    const PgResult inserted = conn_->Exec(pg_sql::kRecordIdempotencyKey, params);
    if (inserted.AffectedRows() == 0) {
      throw Error(ErrorCode::kConflict, "another request already used this Idempotency-Key");
    }
  }

  void CompleteImportStep(const ImportStepCommit& commit) override { postgres::CompleteImportStep(*conn_, commit); }

  void Commit(const LoadRecord& final_state) override {
    if (mode_ == LoadMode::kWrite) {
      ApplyHireCounts();
      conn_->Exec(pg_sql::kBumpDataVersion);
    } else {
      hire_counts_.Clear();  // a dry run changed no hire: the reports and their version stay
    }
    const auto& c = final_state.counts;
    PgParams params;
    // finished_at from this clock, like started_at (the caller's): now() would be the time the
    // transaction began, not when the load finished.
    params.Add(LoadStatusName(final_state.status))
        .Add(core::FormatRfc3339(final_state.finished_us.value_or(core::NowMicros())))
        .Add(static_cast<int64_t>(c.received))
        .Add(static_cast<int64_t>(c.inserted))
        .Add(static_cast<int64_t>(c.updated))
        .Add(static_cast<int64_t>(c.rejected))
        .Add(static_cast<int64_t>(c.skipped))
        .Add(final_state.error)
        .Add(final_state.archive)
        .Add(load_id_);
    conn_->Exec(pg_sql::kFinishLoad, params);
    conn_->Exec(pg_sql::kCommitLoad);
    if (mode_ == LoadMode::kWrite) local_commits_.fetch_add(1, std::memory_order_release);
  }

 private:
  WriteResult Write(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) {
    WriteResult result;
    if (rows.empty()) return result;
    const pg_sql::TableSql& sql = TableStatements(table);
    const bool is_hire = table == Table::kHiredEmployees;
    if (mode != OnConflict::kUpdate && copy_straight_in_ && CopyStraightIn(table, sql, rows)) {
      result.inserted = rows.size();
      if (is_hire) CountHires(rows, {});
      return result;
    }
    FillStage(table, sql, rows);
    if (mode == OnConflict::kUpdate) {
      if (is_hire) {
        // The old values of the rows about to be overwritten leave the counts (locked first, so
        // no concurrent load changes them in between); every staged row then enters them.
        const PgResult old = conn_->Exec(sql.lock_old);
        Row gone;
        for (int i = 0; i < old.Rows(); ++i) {
          gone.datetime_us = old.Int(i, 0);
          gone.department_id = static_cast<int32_t>(old.Int(i, 1));
          gone.job_id = static_cast<int32_t>(old.Int(i, 2));
          hire_counts_.Add(gone, -1);
        }
      }
      const PgResult counts = conn_->Exec(sql.upsert);
      result.inserted = static_cast<uint64_t>(counts.Int(0, 0));
      result.updated = static_cast<uint64_t>(counts.Int(0, 1));
      if (is_hire) CountHires(rows, {});
      return result;
    }
    if (all_or_nothing && mode == OnConflict::kReject) {
      // Conflicts first: one of them means nothing of the batch is written.
      result.conflicts = Positions(conn_->Exec(sql.find_conflicts));
      if (result.conflicts.empty()) {
        result.inserted = conn_->Exec(sql.insert_all).AffectedRows();
        if (is_hire) CountHires(rows, {});
      }
      return result;
    }
    result.conflicts = Positions(conn_->Exec(sql.insert_new));
    result.inserted = rows.size() - result.conflicts.size();
    if (is_hire) CountHires(rows, result.conflicts);
    return result;
  }

  // Every row of `rows` but those at the (sorted) positions `skipped` is now a hire in the table.
  void CountHires(std::span<const Row> rows, const std::vector<uint32_t>& skipped) {
    auto next_skip = skipped.begin();
    for (uint32_t pos = 0; pos < rows.size(); ++pos) {
      if (next_skip != skipped.end() && *next_skip == pos) {
        ++next_skip;
        continue;
      }
      hire_counts_.Add(rows[pos], +1);
    }
  }

  void ApplyHireCounts() {
    const std::vector<HireCountDelta> deltas = hire_counts_.Sorted();
    if (deltas.empty()) return;
    conn_->Exec(pg_sql::kAppendHireCountDeltas, HireCountArrays(deltas));
    hire_counts_.Clear();
  }

  // The fast path when every id is new (a first load, a batch of new rows): one COPY straight
  // into the table, inside a savepoint. Returns false, with the savepoint rolled back and nothing
  // written, when an id exists already; the caller then goes through the staging table, which
  // sorts new ids from existing ones. After one such miss the load stops trying (a re-upload
  // would otherwise pay a failed COPY per batch).
  bool CopyStraightIn(Table table, const pg_sql::TableSql& sql, std::span<const Row> rows) {
    conn_->Exec(pg_sql::kSavepointBeforeCopy);
    try {
      CopyIn copy(*conn_, sql.copy_target);
      for (const Row& row : rows) {
        AppendBinaryCopyRow(copy.buffer(), table, row);
        copy.EndRow();
      }
      copy.Finish();
    } catch (const Error& error) {
      if (error.code() != ErrorCode::kConflict) throw;
      conn_->Exec(pg_sql::kRollbackToSavepoint);
      copy_straight_in_ = false;
      return false;
    }
    conn_->Exec(pg_sql::kReleaseSavepoint);
    return true;
  }

  // TRUNCATE + COPY of `rows` into the table's staging table (created on first use).
  void FillStage(Table table, const pg_sql::TableSql& sql, std::span<const Row> rows) {
    auto& created = stage_created_[static_cast<size_t>(table)];
    if (!created) {
      conn_->Exec(sql.create_stage);
      created = true;
    } else {
      conn_->Exec(sql.truncate_stage);
    }
    CopyIn copy(*conn_, sql.copy_stage);
    for (uint32_t pos = 0; pos < rows.size(); ++pos) {
      std::string& out = copy.buffer();
      AppendBinaryCopyRow(out, table, rows[pos], static_cast<int32_t>(pos));
      copy.EndRow();
    }
    copy.Finish();
  }

  static std::vector<uint32_t> Positions(const PgResult& result) {
    std::vector<uint32_t> positions(static_cast<size_t>(result.Rows()));
    for (int i = 0; i < result.Rows(); ++i) positions[static_cast<size_t>(i)] = static_cast<uint32_t>(result.Int(i, 0));
    return positions;
  }

  PgLease conn_;
  int64_t load_id_;
  LoadMode mode_;
  std::atomic<uint64_t>& local_commits_;
  int64_t reject_seq_ = 0;
  std::array<bool, 3> stage_created_{};
  bool copy_straight_in_ = true;
  HireCountDeltas hire_counts_;  // applied just before COMMIT (see db/hire_counts.hpp)
};

}  // namespace

std::unique_ptr<LoadTransaction> BeginPgLoad(PgPool& pool, int64_t load_id, LoadMode mode,
                                             std::atomic<uint64_t>& local_commits) {
  return std::make_unique<PgLoadTransaction>(pool, load_id, mode, local_commits);
}

}  // namespace migration::db::postgres
