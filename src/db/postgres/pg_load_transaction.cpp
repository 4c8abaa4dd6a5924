#include "db/postgres/pg_load_transaction.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/hire_counts.hpp"
#include "db/postgres/pg_copy.hpp"
#include "db/postgres/pg_sql_values.hpp"
#include "db/table_sql.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

// The statements of one table, built once from its schema. The staging table has the target's
// columns without constraints, plus `pos`, the row's index in the caller's span.
struct TableStatements {
  std::string create_stage;
  std::string truncate_stage;
  std::string copy_stage;
  std::string copy_target;     // COPY straight into the table (the fast path of a new-ids batch)
  std::string insert_new;      // inserts rows whose id is new; returns the positions of the others
  std::string find_conflicts;  // positions of rows whose id exists already
  std::string insert_all;      // plain INSERT: a duplicate raises unique_violation
  std::string upsert;          // inserts or overwrites; returns (inserted, updated)
  std::string lock_old;        // hires: locks the rows an upsert will overwrite, returns their old values
};

// Appends this load's count changes as one row of parallel arrays; the compactor folds them into
// hire_counts.
const char* const kAppendHireCountDeltas =
    "INSERT INTO hire_count_deltas (years, department_ids, job_ids, q1, q2, q3, q4) "
    "VALUES ($1::integer[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])";

std::string_view StageType(core::ColumnKind kind) {
  switch (kind) {
    case core::ColumnKind::kText: return "text";
    case core::ColumnKind::kDatetime: return "timestamptz";
    case core::ColumnKind::kId:
    case core::ColumnKind::kReference: return "integer";
  }
  return "text";
}

TableStatements BuildStatements(Table table) {
  const std::string_view target = core::TableName(table);
  const std::string stage = fmt::format("stage_{}", target);
  const std::string columns = ColumnList(table);
  std::string stage_columns = "pos integer";
  for (const auto& column : core::SchemaOf(table).columns) {
    stage_columns += fmt::format(", {} {}", column.name, StageType(column.kind));
  }
  TableStatements s;
  // ON COMMIT DROP: the stage lives exactly as long as the load's transaction (a rollback undoes
  // its creation too), so a pooled connection never carries it over to the next load.
  s.create_stage = fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", stage, stage_columns);
  s.truncate_stage = fmt::format("TRUNCATE {}", stage);
  s.copy_stage = fmt::format("COPY {} (pos, {}) FROM STDIN", stage, columns);
  s.copy_target = fmt::format("COPY {} ({}) FROM STDIN", target, columns);
  // ON CONFLICT DO NOTHING finds existing ids while inserting (the unique index probe the insert
  // makes anyway), so one pass over the batch does both jobs; a row a concurrent load committed
  // meanwhile is reported as a conflict rather than failing the whole load.
  s.insert_new = fmt::format(
      "WITH inserted AS (INSERT INTO {0} ({1}) SELECT {1} FROM {2} ON CONFLICT (id) DO NOTHING RETURNING id) "
      "SELECT s.pos FROM {2} s WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.id = s.id) ORDER BY s.pos",
      target, columns, stage);
  s.find_conflicts = fmt::format(
      "SELECT s.pos FROM {0} s WHERE EXISTS (SELECT 1 FROM {1} t WHERE t.id = s.id) ORDER BY s.pos", stage, target);
  s.insert_all = fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}", target, columns, stage);
  // xmax is 0 on a freshly inserted row version and our transaction id on an overwritten one.
  s.upsert = fmt::format(
      "WITH upserted AS (INSERT INTO {0} ({1}) SELECT {1} FROM {2} ON CONFLICT (id) DO UPDATE SET {3} "
      "RETURNING (xmax = 0) AS inserted) "
      "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted",
      target, columns, stage, UpdateFromExcluded(table));
  if (table == Table::kHiredEmployees) {
    s.lock_old = fmt::format(
        "SELECT (extract(epoch FROM h.datetime) * 1000000)::bigint, h.department_id, h.job_id "
        "FROM {0} h JOIN {1} s ON s.id = h.id FOR UPDATE OF h",
        target, stage);
  }
  return s;
}

const TableStatements& StatementsFor(Table table) {
  static const std::array<TableStatements, 3> kStatements = {
      BuildStatements(Table::kDepartments), BuildStatements(Table::kJobs), BuildStatements(Table::kHiredEmployees)};
  return kStatements[static_cast<size_t>(table)];
}

class PgLoadTransaction final : public LoadTransaction {
 public:
  PgLoadTransaction(PgPool& pool, int64_t load_id, std::atomic<uint64_t>& local_commits)
      : conn_(pool), load_id_(load_id), local_commits_(local_commits) {
    conn_->Exec("begin load", "BEGIN");
  }

  // Destroyed without Commit(): PgLease's destructor rolls the transaction back (or drops the
  // connection when it cannot), so nothing of the load stays.
  ~PgLoadTransaction() override = default;

  std::vector<int32_t> ExistingIds(Table table) override {
    // The ids are the foreign-key targets of the hires this load writes: SHARE keeps them as read
    // until the load commits (a restore of the table waits, and cannot orphan the new hires), while
    // other loads, which take it too, go on. Always departments then jobs: one order, no deadlock.
    conn_->Exec("lock parent table", fmt::format("LOCK TABLE {} IN SHARE MODE", core::TableName(table)));
    const PgResult result =
        conn_->Exec("existing ids", fmt::format("SELECT id FROM {} ORDER BY id", core::TableName(table)));
    std::vector<int32_t> ids(static_cast<size_t>(result.Rows()));
    for (int i = 0; i < result.Rows(); ++i) ids[static_cast<size_t>(i)] = static_cast<int32_t>(result.Int(i, 0));
    return ids;
  }

  WriteResult WriteRows(Table table, std::span<const Row> rows, OnConflict mode, bool all_or_nothing) override {
    WriteResult result;
    if (rows.empty()) return result;
    const TableStatements& sql = StatementsFor(table);
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
        const PgResult old = conn_->Exec("lock overwritten rows", sql.lock_old);
        Row gone;
        for (int i = 0; i < old.Rows(); ++i) {
          gone.datetime_us = old.Int(i, 0);
          gone.department_id = static_cast<int32_t>(old.Int(i, 1));
          gone.job_id = static_cast<int32_t>(old.Int(i, 2));
          hire_counts_.Add(gone, -1);
        }
      }
      const PgResult counts = conn_->Exec("upsert rows", sql.upsert);
      result.inserted = static_cast<uint64_t>(counts.Int(0, 0));
      result.updated = static_cast<uint64_t>(counts.Int(0, 1));
      if (is_hire) CountHires(rows, {});
      return result;
    }
    if (all_or_nothing && mode == OnConflict::kReject) {
      // Conflicts first: one of them means nothing of the batch is written.
      result.conflicts = Positions(conn_->Exec("find conflicts", sql.find_conflicts));
      if (result.conflicts.empty()) {
        result.inserted = conn_->Exec("insert rows", sql.insert_all).AffectedRows();
        if (is_hire) CountHires(rows, {});
      }
      return result;
    }
    result.conflicts = Positions(conn_->Exec("insert rows", sql.insert_new));
    result.inserted = rows.size() - result.conflicts.size();
    if (is_hire) CountHires(rows, result.conflicts);
    return result;
  }

  void WriteRejects(std::span<const RejectRecord> rejects) override {
    if (rejects.empty()) return;
    CopyIn copy(*conn_, "write rejects",
                "COPY rejects (load_id, seq, locator, position, raw, errors, raw_length) FROM STDIN");
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
    const PgResult inserted = conn_->Exec(
        "record idempotency key",
        "INSERT INTO idempotency_keys (principal, key, request, load_id, fingerprint) "
        "VALUES ($1, $2, $3, $4::bigint, $5) "
        "ON CONFLICT (principal, key) DO UPDATE SET request = EXCLUDED.request, load_id = EXCLUDED.load_id, "
        "fingerprint = EXCLUDED.fingerprint, created_at = now() "
        "WHERE idempotency_keys.created_at <= now() - $6::bigint * interval '1 second'",
        params);
    if (inserted.AffectedRows() == 0) {
      throw Error(ErrorCode::kConflict, "another request already used this Idempotency-Key");
    }
  }

  void Commit(const LoadRecord& final_state) override {
    ApplyHireCounts();
    conn_->Exec("bump data version",
                "INSERT INTO data_version (backend_pid, commits) VALUES (pg_backend_pid(), 1) "
                "ON CONFLICT (backend_pid) DO UPDATE SET commits = data_version.commits + 1");
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
    conn_->Exec("finish load",
                "UPDATE loads SET status = $1, finished_at = $2::timestamptz, rows_received = $3, rows_inserted = $4, "
                "rows_updated = $5, rows_rejected = $6, rows_skipped = $7, error = $8, archive = $9 WHERE id = $10",
                params);
    conn_->Exec("commit load", "COMMIT");
    local_commits_.fetch_add(1, std::memory_order_release);
  }

 private:
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
    conn_->Exec("record hire count changes", kAppendHireCountDeltas, HireCountArrays(deltas));
    hire_counts_.Clear();
  }

  // The fast path when every id is new (a first load, a batch of new rows): one COPY straight
  // into the table, inside a savepoint. Returns false, with the savepoint rolled back and nothing
  // written, when an id exists already; the caller then goes through the staging table, which
  // sorts new ids from existing ones. After one such miss the load stops trying (a re-upload
  // would otherwise pay a failed COPY per batch).
  bool CopyStraightIn(Table table, const TableStatements& sql, std::span<const Row> rows) {
    conn_->Exec("savepoint", "SAVEPOINT copy_rows");
    try {
      CopyIn copy(*conn_, "copy rows", sql.copy_target);
      for (const Row& row : rows) {
        AppendCopyRow(copy.buffer(), table, row);
        copy.EndRow();
      }
      copy.Finish();
    } catch (const Error& error) {
      if (error.code() != ErrorCode::kConflict) throw;
      conn_->Exec("rollback to savepoint", "ROLLBACK TO SAVEPOINT copy_rows");
      copy_straight_in_ = false;
      return false;
    }
    conn_->Exec("release savepoint", "RELEASE SAVEPOINT copy_rows");
    return true;
  }

  // TRUNCATE + COPY of `rows` into the table's staging table (created on first use).
  void FillStage(Table table, const TableStatements& sql, std::span<const Row> rows) {
    auto& created = stage_created_[static_cast<size_t>(table)];
    if (!created) {
      conn_->Exec("create staging table", sql.create_stage);
      created = true;
    } else {
      conn_->Exec("empty staging table", sql.truncate_stage);
    }
    CopyIn copy(*conn_, "copy rows", sql.copy_stage);
    for (uint32_t pos = 0; pos < rows.size(); ++pos) {
      std::string& out = copy.buffer();
      AppendCopyInt(out, pos);
      AppendCopyRow(out, table, rows[pos]);
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
  std::atomic<uint64_t>& local_commits_;
  int64_t reject_seq_ = 0;
  std::array<bool, 3> stage_created_{};
  bool copy_straight_in_ = true;
  HireCountDeltas hire_counts_;  // applied just before COMMIT (see db/hire_counts.hpp)
};

}  // namespace

std::unique_ptr<LoadTransaction> BeginPgLoad(PgPool& pool, int64_t load_id, std::atomic<uint64_t>& local_commits) {
  return std::make_unique<PgLoadTransaction>(pool, load_id, local_commits);
}

}  // namespace migration::db::postgres
