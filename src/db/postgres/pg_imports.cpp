#include "db/postgres/pg_imports.hpp"

#include <fmt/format.h>

#include <map>

#include "core/error.hpp"
#include "db/record_readers.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kAbandoned =
    "the replica running this import stopped (its lease expired); the table is loaded again from the start";

PgParams CountParams(PgParams params, uint64_t bytes_read, const LoadCounts& c) {
  params.Add(static_cast<int64_t>(bytes_read))
      .Add(static_cast<int64_t>(c.received))
      .Add(static_cast<int64_t>(c.inserted))
      .Add(static_cast<int64_t>(c.updated))
      .Add(static_cast<int64_t>(c.rejected))
      .Add(static_cast<int64_t>(c.skipped));
  return params;
}

class PgImportQueue final : public ImportQueue {
 public:
  explicit PgImportQueue(PgPool& pool) : pool_(pool) {}

  int64_t Create(const ImportRecord& import, const std::optional<IdempotencyRecord>& key) override {
    PgLease conn(pool_);
    conn->Exec(pg_sql::kBeginImportChange);
    const PgResult created = conn->Exec(pg_sql::kCreateImport, PgParams()
                                                                   .Add(import.source)
                                                                   .Add(ImportStatusName(import.status))
                                                                   .Add(import.header)
                                                                   .Add(OnConflictName(import.on_conflict))
                                                                   .Add(import.dry_run ? "true" : "false")
                                                                   .Add(import.trace_id));
    const int64_t id = created.Int(0, 0);
    for (const ImportStep& step : import.steps) {
      conn->Exec(pg_sql::kCreateImportStep, PgParams()
                                                .Add(id)
                                                .Add(static_cast<int64_t>(step.position))
                                                .Add(core::TableName(step.table))
                                                .Add(WithImportId(step.key, id))
                                                .Add(static_cast<int64_t>(step.bytes_total)));
    }
    if (key) {
      const PgResult stored = conn->Exec(pg_sql::kRecordImportKey, PgParams()
                                                                       .Add(key->principal)
                                                                       .Add(key->key)
                                                                       .Add(key->request)
                                                                       .Add(id)
                                                                       .Add(key->fingerprint)
                                                                       .Add(key->ttl_seconds));
      if (stored.AffectedRows() == 0) {
        throw Error(ErrorCode::kConflict, "another request already used this Idempotency-Key");
      }
    }
    conn->Exec(pg_sql::kCommitImportChange);
    return id;
  }

  std::optional<IdempotencyRecord> FindKey(const std::string& principal, const std::string& key,
                                           int64_t ttl_seconds) override {
    PgLease conn(pool_);
    const PgResult found = conn->Exec(pg_sql::kFindImportKey, PgParams().Add(principal).Add(key).Add(ttl_seconds));
    if (found.Rows() == 0) return std::nullopt;
    IdempotencyRecord record;
    record.principal = principal;
    record.key = key;
    record.request = std::string(found.Text(0, 0));
    record.load_id = found.Int(0, 1);
    record.fingerprint = std::string(found.Text(0, 2));
    record.ttl_seconds = ttl_seconds;
    return record;
  }

  std::optional<ImportRecord> Get(int64_t id) override {
    PgLease conn(pool_);
    const PgResult result = conn->Exec(pg_sql::kGetImport, PgParams().Add(id));
    if (result.Rows() == 0) return std::nullopt;
    ImportRecord import = ReadImport(PgRow(result, 0));
    import.steps = ReadRows(conn->Exec(pg_sql::kGetImportSteps, PgParams().Add(id)),
                            [](const PgRow& row) { return ReadImportStep(row);
  });
  return import;
}

std::vector<ImportRecord>
List(int64_t after, int limit) override {
  PgLease conn(pool_);
  std::vector<ImportRecord> imports =
      ReadRows(conn->Exec(pg_sql::kListImports, PgParams().Add(after).Add(static_cast<int64_t>(limit))),
               [](const PgRow& row) { return ReadImport(row); });
  if (imports.empty()) return imports;
  std::string ids = "{";
  std::map<int64_t, ImportRecord*> by_id;
  for (auto& import : imports) {
    ids += (ids.size() > 1 ? "," : "") + std::to_string(import.id);
    by_id[import.id] = &import;
  }
  ids += "}";
  const PgResult steps = conn->Exec(pg_sql::kListImportSteps, PgParams().Add(ids));
  for (int i = 0; i < steps.Rows(); ++i) {
    const PgRow row(steps, i);
    by_id.at(row.Int(0))->steps.push_back(ReadImportStep(row));
  }
  return imports;
}

std::optional<ImportClaim> Claim(const std::string& host, std::chrono::milliseconds lease, int64_t only) override {
  PgLease conn(pool_);
  const std::string token = NewLeaseToken();
  conn->Exec(pg_sql::kBeginImportChange);
  const PgResult claimed = conn->Exec(
      pg_sql::kClaimImport, PgParams().Add(token).Add(host).Add(static_cast<int64_t>(lease.count())).Add(only));
  if (claimed.Rows() == 0) {
    conn->Exec(pg_sql::kCommitImportChange);
    return std::nullopt;
  }
  const int64_t id = claimed.Int(0, 0);
  const int64_t attempts = claimed.Int(0, 1);
  // An earlier claim's step still marked running was interrupted: its load is recorded as failed.
  conn->Exec(pg_sql::kFailAbandonedAttempt, PgParams().Add(id).Add(kAbandoned));
  conn->Exec(pg_sql::kRequeueAbandonedSteps, PgParams().Add(id));
  if (attempts > kMaxImportAttempts) {
    conn->Exec(pg_sql::kGiveUpImport,
               PgParams().Add(id).Add(fmt::format("gave up after {} attempts: every replica that ran this import "
                                                  "stopped before it finished",
                                                  kMaxImportAttempts)));
    conn->Exec(pg_sql::kCancelImportSteps, PgParams().Add(id));
    conn->Exec(pg_sql::kCommitImportChange);
    return std::nullopt;
  }
  conn->Exec(pg_sql::kCommitImportChange);
  auto import = Get(id);
  if (!import) throw Error(ErrorCode::kInternal, fmt::format("import {} vanished after its claim", id));
  return ImportClaim{std::move(*import), token};
}

ImportLeaseState Renew(int64_t id, const std::string& lease_token, std::chrono::milliseconds lease,
                       const std::optional<ImportProgress>& progress) override {
  PgLease conn(pool_);
  const PgResult renewed = conn->Exec(pg_sql::kRenewImportLease,
                                      PgParams().Add(id).Add(lease_token).Add(static_cast<int64_t>(lease.count())));
  if (renewed.Rows() == 0) return {false, false};
  if (progress) {
    conn->Exec(pg_sql::kRecordStepProgress,
               CountParams(PgParams().Add(id).Add(lease_token).Add(static_cast<int64_t>(progress->position)),
                           progress->bytes_read, progress->counts));
  }
  return {true, renewed.Int(0, 0) != 0};
}

void StartStep(int64_t id, const std::string& lease_token, int position, int64_t load_id,
               uint64_t bytes_total) override {
  PgLease conn(pool_);
  const PgResult result = conn->Exec(pg_sql::kStartImportStep, PgParams()
                                                                   .Add(id)
                                                                   .Add(lease_token)
                                                                   .Add(static_cast<int64_t>(position))
                                                                   .Add(load_id)
                                                                   .Add(static_cast<int64_t>(bytes_total)));
  if (result.AffectedRows() == 0) throw Error(ErrorCode::kConflict, "the import's lease was lost");
}

void EndStep(int64_t id, const std::string& lease_token, int position, const std::string& status) override {
  PgLease conn(pool_);
  conn->Exec(pg_sql::kEndImportStep,
             PgParams().Add(id).Add(lease_token).Add(static_cast<int64_t>(position)).Add(status));
}

bool Finish(int64_t id, const std::string& lease_token, ImportStatus status, const std::string& error) override {
  PgLease conn(pool_);
  conn->Exec(pg_sql::kBeginImportChange);
  const PgResult result =
      conn->Exec(pg_sql::kFinishImport, PgParams().Add(id).Add(lease_token).Add(ImportStatusName(status)).Add(error));
  if (result.AffectedRows() != 0 && status != ImportStatus::kSucceeded) {
    conn->Exec(pg_sql::kCancelImportSteps, PgParams().Add(id));
  }
  conn->Exec(pg_sql::kCommitImportChange);
  return result.AffectedRows() != 0;
}

bool Release(int64_t id, const std::string& lease_token) override {
  PgLease conn(pool_);
  conn->Exec(pg_sql::kBeginImportChange);
  const PgResult result = conn->Exec(pg_sql::kReleaseImport, PgParams().Add(id).Add(lease_token));
  if (result.Rows() != 0) conn->Exec(pg_sql::kRequeueAbandonedSteps, PgParams().Add(id));
  conn->Exec(pg_sql::kCommitImportChange);
  return result.Rows() != 0;
}

CancelOutcome Cancel(int64_t id) override {
  {
    PgLease conn(pool_);
    conn->Exec(pg_sql::kBeginImportChange);
    const PgResult cancelled = conn->Exec(pg_sql::kCancelQueuedImport, PgParams().Add(id));
    if (cancelled.Rows() != 0) conn->Exec(pg_sql::kCancelImportSteps, PgParams().Add(id));
    conn->Exec(pg_sql::kCommitImportChange);
    if (cancelled.Rows() != 0) return CancelOutcome::kCancelled;
    if (conn->Exec(pg_sql::kRequestImportCancel, PgParams().Add(id)).Rows() != 0) return CancelOutcome::kRequested;
  }
  return Get(id) ? CancelOutcome::kAlreadyFinal : CancelOutcome::kNotFound;
}

bool Start(int64_t id) override {
  PgLease conn(pool_);
  return conn->Exec(pg_sql::kStartPendingImport, PgParams().Add(id)).Rows() != 0;
}

private:
PgPool& pool_;
};  // namespace

}  // namespace migration::db::postgres

std::unique_ptr<ImportQueue> MakePgImportQueue(PgPool& pool) { return std::make_unique<PgImportQueue>(pool); }

void CompleteImportStep(PgConnection& conn, const ImportStepCommit& commit) {
  if (conn.Exec(pg_sql::kFenceImportStep, PgParams().Add(commit.import_id).Add(commit.lease_token)).Rows() == 0) {
    throw Error(ErrorCode::kConflict,
                "the import was cancelled or taken over by another replica (its lease expired); nothing of this "
                "table was committed");
  }
  conn.Exec(pg_sql::kCompleteImportStep, CountParams(PgParams()
                                                         .Add(commit.import_id)
                                                         .Add(static_cast<int64_t>(commit.position))
                                                         .Add(commit.status)
                                                         .Add(commit.load_id),
                                                     commit.bytes_read, commit.counts));
}

}  // namespace migration::db::postgres
