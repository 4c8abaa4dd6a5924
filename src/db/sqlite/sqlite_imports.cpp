#include "db/sqlite/sqlite_imports.hpp"

#include <fmt/format.h>

#include <map>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/record_readers.hpp"

namespace migration::db::sqlite {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kAbandoned =
    "the process running this import stopped (its lease expired); the table is loaded again from the start";

int64_t LeaseEnd(std::chrono::milliseconds lease) { return core::NowMicros() + lease.count() * 1000; }

// Binds the progress columns from index `first`: bytes read, then the five counts.
void BindCounts(Statement& stmt, int first, uint64_t bytes_read, const LoadCounts& c) {
  stmt.Bind(first, static_cast<int64_t>(bytes_read))
      .Bind(first + 1, static_cast<int64_t>(c.received))
      .Bind(first + 2, static_cast<int64_t>(c.inserted))
      .Bind(first + 3, static_cast<int64_t>(c.updated))
      .Bind(first + 4, static_cast<int64_t>(c.rejected))
      .Bind(first + 5, static_cast<int64_t>(c.skipped));
}

// The connection's connection-wide busy timeout (30 s, for loads that wait their turn) would hold
// a runner's claim or renewal, a database connection and a shutdown behind a running load for
// that long. They are retried at the next poll or renewal: a short wait is enough.
constexpr int kJobBusyTimeoutMs = 200;
// The connection's busy timeout as its setup left it (PRAGMA busy_timeout answers the current one).
int CurrentBusyTimeoutMs(sqlite3* handle) {
  sqlite3_stmt* statement = nullptr;
  int timeout = 0;
  if (sqlite3_prepare_v2(handle, "PRAGMA busy_timeout", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    timeout = sqlite3_column_int(statement, 0);
  }
  sqlite3_finalize(statement);
  return timeout;
}

// Sets kJobBusyTimeoutMs for one claim or renewal, then puts the connection's own back.
class ShortBusyTimeout {
 public:
  explicit ShortBusyTimeout(Connection& conn) : conn_(conn), restore_ms_(CurrentBusyTimeoutMs(conn.handle())) {
    sqlite3_busy_timeout(conn_.handle(), kJobBusyTimeoutMs);
  }
  ~ShortBusyTimeout() { sqlite3_busy_timeout(conn_.handle(), restore_ms_); }
  ShortBusyTimeout(const ShortBusyTimeout&) = delete;
  ShortBusyTimeout& operator=(const ShortBusyTimeout&) = delete;

 private:
  Connection& conn_;
  int restore_ms_;
};

// One write transaction (BEGIN IMMEDIATE), rolled back unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(Pool::Lease& conn) : conn_(conn) { conn_->Exec(sqlite_sql::kBeginWrite); }
  ~WriteTransaction() {
    if (committed_) return;
    try {
      conn_->Exec(sqlite_sql::kRollback);
    } catch (...) {
      conn_.MarkBroken();
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void Commit() {
    conn_->Exec(sqlite_sql::kCommit);
    committed_ = true;
  }

 private:
  Pool::Lease& conn_;
  bool committed_ = false;
};

// Runs `stmt` to its end; true when it returned a row (RETURNING) or changed one.
bool Changed(const Connection& conn, Statement& stmt) {
  const bool row = stmt.Step();
  while (stmt.Step()) {
  }
  return row || conn.Changes() > 0;
}

void CancelSteps(Connection& conn, int64_t id) {
  Statement stmt(conn.handle(), sqlite_sql::kCancelImportSteps);
  stmt.Bind(1, id).Bind(2, core::NowMicros());
  stmt.Run();
}

class SqliteImportQueue final : public ImportQueue {
 public:
  explicit SqliteImportQueue(Pool& pool) : pool_(pool) {}

  int64_t Create(const ImportRecord& import, const std::optional<IdempotencyRecord>& key) override {
    auto conn = pool_.Acquire();
    WriteTransaction tx(conn);
    Statement insert(conn->handle(), sqlite_sql::kCreateImport);
    insert.Bind(1, import.source)
        .Bind(2, ImportStatusName(import.status))
        .Bind(3, import.header)
        .Bind(4, OnConflictName(import.on_conflict))
        .Bind(5, int64_t{import.dry_run ? 1 : 0})
        .Bind(6, import.trace_id)
        .Bind(7, core::NowMicros());
    insert.Run();
    const int64_t id = sqlite3_last_insert_rowid(conn->handle());
    Statement step_insert(conn->handle(), sqlite_sql::kCreateImportStep);
    for (const ImportStep& step : import.steps) {
      step_insert.Bind(1, id)
          .Bind(2, int64_t{step.position})
          .Bind(3, core::TableName(step.table))
          .Bind(4, WithImportId(step.key, id))
          .Bind(5, static_cast<int64_t>(step.bytes_total));
      step_insert.Run();
    }
    if (key) {
      const int64_t now = core::NowMicros();
      Statement record(conn->handle(), sqlite_sql::kRecordImportKey);
      record.Bind(1, key->principal).Bind(2, key->key).Bind(3, key->request).Bind(4, id).Bind(5, key->fingerprint);
      record.Bind(6, now - key->ttl_seconds * 1000000).Bind(7, now);
      record.Run();
      if (conn->Changes() == 0) throw Error(ErrorCode::kConflict, "another request already used this Idempotency-Key");
    }
    tx.Commit();
    return id;
  }

  std::optional<IdempotencyRecord> FindKey(const std::string& principal, const std::string& key,
                                           int64_t ttl_seconds) override {
    auto conn = pool_.Acquire();
    Statement find(conn->handle(), sqlite_sql::kFindImportKey);
    find.Bind(1, principal).Bind(2, key).Bind(3, core::NowMicros() - ttl_seconds * 1000000);
    if (!find.Step()) return std::nullopt;
    IdempotencyRecord record;
    record.principal = principal;
    record.key = key;
    record.request = find.Text(0);
    record.load_id = find.Int(1);
    record.fingerprint = find.Text(2);
    record.ttl_seconds = ttl_seconds;
    return record;
  }

  std::optional<ImportRecord> Get(int64_t id) override {
    auto conn = pool_.Acquire();
    return GetOn(*conn, id);
  }

  std::vector<ImportRecord> List(int64_t after, int limit) override {
    auto conn = pool_.Acquire();
    std::vector<ImportRecord> imports;
    {
      Statement stmt(conn->handle(), sqlite_sql::kListImports);
      stmt.Bind(1, after).Bind(2, int64_t{limit});
      while (stmt.Step()) imports.push_back(ReadImport(stmt));
    }
    if (imports.empty()) return imports;
    std::string ids = "[";
    std::map<int64_t, ImportRecord*> by_id;
    for (auto& import : imports) {
      ids += (ids.size() > 1 ? "," : "") + std::to_string(import.id);
      by_id[import.id] = &import;
    }
    ids += "]";
    Statement steps(conn->handle(), sqlite_sql::kListImportSteps);
    steps.Bind(1, ids);
    while (steps.Step()) by_id.at(steps.Int(0))->steps.push_back(ReadImportStep(steps));
    return imports;
  }

  std::optional<ImportClaim> Claim(const std::string& host, std::chrono::milliseconds lease, int64_t only) override {
    auto conn = pool_.Acquire();
    const ShortBusyTimeout short_wait(*conn);
    const std::string token = NewLeaseToken();
    const int64_t now = core::NowMicros();
    WriteTransaction tx(conn);
    int64_t id = 0;
    int64_t attempts = 0;
    {
      Statement claim(conn->handle(), sqlite_sql::kClaimImport);
      claim.Bind(1, token).Bind(2, host).Bind(3, LeaseEnd(lease)).Bind(4, now).Bind(5, only);
      if (!claim.Step()) {
        tx.Commit();
        return std::nullopt;
      }
      id = claim.Int(0);
      attempts = claim.Int(1);
      while (claim.Step()) {
      }
    }
    {
      Statement fail(conn->handle(), sqlite_sql::kFailAbandonedAttempt);
      fail.Bind(1, id).Bind(2, kAbandoned).Bind(3, now);
      fail.Run();
      Statement requeue(conn->handle(), sqlite_sql::kRequeueAbandonedSteps);
      requeue.Bind(1, id);
      requeue.Run();
    }
    if (attempts > kMaxImportAttempts) {
      Statement give_up(conn->handle(), sqlite_sql::kGiveUpImport);
      give_up.Bind(1, id)
          .Bind(2, fmt::format("gave up after {} attempts: every process that ran this import stopped before it "
                               "finished",
                               kMaxImportAttempts))
          .Bind(3, now);
      give_up.Run();
      CancelSteps(*conn, id);
      tx.Commit();
      return std::nullopt;
    }
    tx.Commit();
    auto import = GetOn(*conn, id);
    if (!import) throw Error(ErrorCode::kInternal, fmt::format("import {} vanished after its claim", id));
    return ImportClaim{std::move(*import), token};
  }

  ImportLeaseState Renew(int64_t id, const std::string& lease_token, std::chrono::milliseconds lease,
                         const std::optional<ImportProgress>& progress) override {
    auto conn = pool_.Acquire();
    const ShortBusyTimeout short_wait(*conn);
    WriteTransaction tx(conn);
    bool cancel_requested = false;
    {
      Statement renew(conn->handle(), sqlite_sql::kRenewImportLease);
      renew.Bind(1, id).Bind(2, lease_token).Bind(3, LeaseEnd(lease));
      if (!renew.Step()) return {false, false};
      cancel_requested = renew.Int(0) != 0;
      while (renew.Step()) {
      }
    }
    if (progress) {
      Statement record(conn->handle(), sqlite_sql::kRecordStepProgress);
      record.Bind(1, id).Bind(2, lease_token).Bind(3, int64_t{progress->position});
      BindCounts(record, 4, progress->bytes_read, progress->counts);
      record.Run();
    }
    tx.Commit();
    return {true, cancel_requested};
  }

  void StartStep(int64_t id, const std::string& lease_token, int position, int64_t load_id,
                 uint64_t bytes_total) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kStartImportStep);
    stmt.Bind(1, id)
        .Bind(2, lease_token)
        .Bind(3, int64_t{position})
        .Bind(4, load_id)
        .Bind(5, static_cast<int64_t>(bytes_total))
        .Bind(6, core::NowMicros());
    stmt.Run();
    if (conn->Changes() == 0) throw Error(ErrorCode::kConflict, "the import's lease was lost");
  }

  void EndStep(int64_t id, const std::string& lease_token, int position, const std::string& status) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kEndImportStep);
    stmt.Bind(1, id).Bind(2, lease_token).Bind(3, int64_t{position}).Bind(4, status).Bind(5, core::NowMicros());
    stmt.Run();
  }

  bool Finish(int64_t id, const std::string& lease_token, ImportStatus status, const std::string& error) override {
    auto conn = pool_.Acquire();
    WriteTransaction tx(conn);
    Statement stmt(conn->handle(), sqlite_sql::kFinishImport);
    stmt.Bind(1, id).Bind(2, lease_token).Bind(3, ImportStatusName(status)).Bind(4, error).Bind(5, core::NowMicros());
    stmt.Run();
    const bool finished = conn->Changes() > 0;
    if (finished && status != ImportStatus::kSucceeded) CancelSteps(*conn, id);
    tx.Commit();
    return finished;
  }

  bool Release(int64_t id, const std::string& lease_token) override {
    auto conn = pool_.Acquire();
    WriteTransaction tx(conn);
    Statement release(conn->handle(), sqlite_sql::kReleaseImport);
    release.Bind(1, id).Bind(2, lease_token);
    const bool released = Changed(*conn, release);
    if (released) {
      Statement requeue(conn->handle(), sqlite_sql::kRequeueAbandonedSteps);
      requeue.Bind(1, id);
      requeue.Run();
    }
    tx.Commit();
    return released;
  }

  CancelOutcome Cancel(int64_t id) override {
    auto conn = pool_.Acquire();
    {
      WriteTransaction tx(conn);
      Statement cancel(conn->handle(), sqlite_sql::kCancelQueuedImport);
      cancel.Bind(1, id).Bind(2, core::NowMicros());
      const bool cancelled = Changed(*conn, cancel);
      if (cancelled) CancelSteps(*conn, id);
      if (!cancelled) {
        Statement request(conn->handle(), sqlite_sql::kRequestImportCancel);
        request.Bind(1, id);
        if (Changed(*conn, request)) {
          tx.Commit();
          return CancelOutcome::kRequested;
        }
      }
      tx.Commit();
      if (cancelled) return CancelOutcome::kCancelled;
    }
    return GetOn(*conn, id) ? CancelOutcome::kAlreadyFinal : CancelOutcome::kNotFound;
  }

  bool Start(int64_t id) override {
    auto conn = pool_.Acquire();
    Statement stmt(conn->handle(), sqlite_sql::kStartPendingImport);
    stmt.Bind(1, id);
    return Changed(*conn, stmt);
  }

 private:
  static std::optional<ImportRecord> GetOn(Connection& conn, int64_t id) {
    std::optional<ImportRecord> import;
    {
      Statement stmt(conn.handle(), sqlite_sql::kGetImport);
      stmt.Bind(1, id);
      if (!stmt.Step()) return std::nullopt;
      import = ReadImport(stmt);
    }
    Statement steps(conn.handle(), sqlite_sql::kGetImportSteps);
    steps.Bind(1, id);
    while (steps.Step()) import->steps.push_back(ReadImportStep(steps));
    return import;
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<ImportQueue> MakeSqliteImportQueue(Pool& pool) { return std::make_unique<SqliteImportQueue>(pool); }

void CompleteImportStep(Connection& conn, const ImportStepCommit& commit) {
  {
    Statement fence(conn.handle(), sqlite_sql::kFenceImportStep);
    fence.Bind(1, commit.import_id).Bind(2, commit.lease_token);
    if (!fence.Step()) {
      throw Error(ErrorCode::kConflict,
                  "the import was cancelled or taken over (its lease expired); nothing of this table was committed");
    }
  }
  Statement stmt(conn.handle(), sqlite_sql::kCompleteImportStep);
  stmt.Bind(1, commit.import_id).Bind(2, int64_t{commit.position}).Bind(3, commit.status).Bind(4, commit.load_id);
  BindCounts(stmt, 5, commit.bytes_read, commit.counts);
  stmt.Bind(11, core::NowMicros());
  stmt.Run();
}

}  // namespace migration::db::sqlite
