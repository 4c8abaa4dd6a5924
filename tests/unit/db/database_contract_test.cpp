// The db::Database contract, asserted the same way on SQLite and on PostgreSQL: every method,
// including the failure paths (a finished load failed again, unknown ids, conflicts). A backend
// that drifts from the other fails here, not in a report a stakeholder reads.

#include "db/database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "support/test_database.hpp"

namespace migration::db {
namespace {

using core::Row;
using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::HireRow;
using ::migration::testing::NamedRow;
using ::migration::testing::TestDatabase;

template <typename F>
core::ErrorCode ErrorCodeOf(F&& call) {
  try {
    call();
  } catch (const core::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no core::Error thrown";
  return core::ErrorCode::kInternal;
}

class DatabaseContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    db_ = OpenDatabase(test_db_->url(), DatabaseOptions{});
    db_->Migrate();
  }
  void TearDown() override {
    db_.reset();
    test_db_.reset();
  }

  LoadRecord NewLoad(Table table, const std::string& host = "contract-host") {
    LoadRecord load;
    load.table = table;
    load.source = "batch";
    load.on_conflict = OnConflict::kUpdate;
    load.started_us = core::NowMicros();
    load.host = host;
    load.id = db_->CreateLoad(load);
    return load;
  }

  WriteResult LoadRows(Table table, const std::vector<Row>& rows, OnConflict mode = OnConflict::kReject,
                       bool all_or_nothing = false) {
    return ::migration::testing::CommitRows(*db_, table, rows, mode, all_or_nothing);
  }

  void SeedCatalog() {
    LoadRows(Table::kDepartments, {NamedRow(1, "Sales"), NamedRow(2, "Research"), NamedRow(3, "Legal")});
    LoadRows(Table::kJobs, {NamedRow(1, "Engineer"), NamedRow(2, "Analyst")});
  }

  std::vector<Row> Scan(Table table) {
    std::vector<Row> rows;
    db_->ScanTable(table, [&rows](std::span<const Row> chunk) { rows.insert(rows.end(), chunk.begin(), chunk.end()); });
    return rows;
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseContractTest, MigrateIsIdempotentAndLeavesTheDatabaseReady) {
  EXPECT_EQ(db_->Migrate(), 0);
  EXPECT_TRUE(db_->Ready());
}

TEST_P(DatabaseContractTest, ACommittedLoadIsStoredExactlyWithItsRowsAndRejects) {
  LoadRecord load = NewLoad(Table::kDepartments);
  const std::optional<LoadRecord> running = db_->GetLoad(load.id);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->status, LoadStatus::kRunning);
  EXPECT_FALSE(running->finished_us.has_value());

  auto tx = db_->BeginLoad(load.id, LoadMode::kWrite);
  const WriteResult written = tx->WriteRows(Table::kDepartments, std::vector<Row>{NamedRow(2, "B"), NamedRow(1, "A")},
                                            OnConflict::kReject, false);
  EXPECT_EQ(written.inserted, 2U);
  EXPECT_TRUE(written.conflicts.empty());
  const std::string long_raw(5000, 'x');
  tx->WriteRejects(std::vector<RejectRecord>{
      {RejectLocator::kLine, 3, "3,", R"([{"field":"department","code":"missing","message":"m"}])", 2},
      {RejectLocator::kIndex, 7, long_raw.substr(0, 4096), "[]", 5000}});
  load.status = LoadStatus::kPartial;
  load.counts = {.received = 4, .inserted = 2, .updated = 0, .rejected = 2, .skipped = 0};
  load.finished_us = load.started_us + 1500;
  load.archive = "file://objects/uploads/x.csv";
  tx->Commit(load);

  const std::optional<LoadRecord> stored = db_->GetLoad(load.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->table, Table::kDepartments);
  EXPECT_EQ(stored->status, LoadStatus::kPartial);
  EXPECT_EQ(stored->source, "batch");
  EXPECT_EQ(stored->on_conflict, OnConflict::kUpdate);
  EXPECT_EQ(stored->host, "contract-host");
  EXPECT_EQ(stored->archive, load.archive);
  EXPECT_EQ(stored->started_us, load.started_us);
  EXPECT_EQ(stored->finished_us, load.finished_us);
  EXPECT_EQ(stored->counts.received, 4U);
  EXPECT_EQ(stored->counts.inserted, 2U);
  EXPECT_EQ(stored->counts.rejected, 2U);

  const std::vector<StoredReject> rejects = db_->ListRejects(load.id, Page{0, 10});
  ASSERT_EQ(rejects.size(), 2U);
  EXPECT_EQ(rejects[0].reject.locator, RejectLocator::kLine);
  EXPECT_EQ(rejects[0].reject.position, 3);
  EXPECT_EQ(rejects[0].reject.raw, "3,");
  EXPECT_EQ(rejects[0].reject.errors_json, R"([{"field":"department","code":"missing","message":"m"}])");
  EXPECT_FALSE(rejects[0].reject.raw_truncated());
  EXPECT_EQ(rejects[1].reject.locator, RejectLocator::kIndex);
  EXPECT_EQ(rejects[1].reject.raw_length, 5000);
  EXPECT_TRUE(rejects[1].reject.raw_truncated());
  EXPECT_LT(rejects[0].seq, rejects[1].seq);
  const std::vector<StoredReject> after_first = db_->ListRejects(load.id, Page{rejects[0].seq, 10});
  ASSERT_EQ(after_first.size(), 1U);
  EXPECT_EQ(after_first[0].seq, rejects[1].seq);

  EXPECT_EQ(db_->ListRows(Table::kDepartments, Page{0, 10}), (std::vector<Row>{NamedRow(1, "A"), NamedRow(2, "B")}));
  EXPECT_EQ(db_->ListRows(Table::kDepartments, Page{1, 10}), (std::vector<Row>{NamedRow(2, "B")}));
  EXPECT_EQ(db_->GetRow(Table::kDepartments, 2), NamedRow(2, "B"));
}

TEST_P(DatabaseContractTest, UnknownIdsAreAbsentNotErrors) {
  EXPECT_FALSE(db_->GetLoad(424242).has_value());
  EXPECT_FALSE(db_->GetRow(Table::kJobs, 424242).has_value());
  EXPECT_TRUE(db_->ListRejects(424242, Page{}).empty());
  EXPECT_FALSE(db_->GetBackup("0123456789abcdef0123456789abcdef").has_value());
  EXPECT_TRUE(db_->ListRows(Table::kHiredEmployees, Page{}).empty());
}

TEST_P(DatabaseContractTest, ARolledBackLoadLeavesNoRowAndItsRecordRunning) {
  const LoadRecord load = NewLoad(Table::kJobs);
  {
    auto tx = db_->BeginLoad(load.id, LoadMode::kWrite);
    tx->WriteRows(Table::kJobs, std::vector<Row>{NamedRow(1, "Engineer")}, OnConflict::kReject, false);
  }  // destroyed without Commit
  EXPECT_TRUE(db_->ListRows(Table::kJobs, Page{}).empty());
  EXPECT_EQ(db_->GetLoad(load.id)->status, LoadStatus::kRunning);
}

TEST_P(DatabaseContractTest, FailLoadFailsOnlyARunningLoad) {
  const LoadRecord running = NewLoad(Table::kJobs);
  db_->FailLoad(running.id, LoadCounts{.received = 7}, "client went away");
  const LoadRecord failed = *db_->GetLoad(running.id);
  EXPECT_EQ(failed.status, LoadStatus::kFailed);
  EXPECT_EQ(failed.counts.received, 7U);
  EXPECT_EQ(failed.counts.inserted, 0U);
  EXPECT_EQ(failed.error, "client went away");
  EXPECT_TRUE(failed.finished_us.has_value());

  LoadRows(Table::kJobs, {NamedRow(1, "Engineer")});
  const LoadRecord finished = db_->ListLoads(Page{0, 1}).front();
  ASSERT_EQ(finished.status, LoadStatus::kSucceeded);
  db_->FailLoad(finished.id, LoadCounts{.received = 99}, "too late");
  const LoadRecord unchanged = *db_->GetLoad(finished.id);
  EXPECT_EQ(unchanged.status, LoadStatus::kSucceeded);
  EXPECT_EQ(unchanged.counts.received, 1U);
  EXPECT_EQ(unchanged.counts.inserted, 1U);
  EXPECT_EQ(unchanged.error, "");
}

TEST_P(DatabaseContractTest, FailInterruptedLoadsTouchesOnlyRunningLoadsOfThatHost) {
  const LoadRecord mine = NewLoad(Table::kJobs, "host-a");
  const LoadRecord theirs = NewLoad(Table::kJobs, "host-b");
  LoadRows(Table::kJobs, {NamedRow(1, "Engineer")});  // host contract-host, finished
  EXPECT_EQ(db_->FailInterruptedLoads("host-a"), 1);
  EXPECT_EQ(db_->GetLoad(mine.id)->status, LoadStatus::kFailed);
  EXPECT_NE(db_->GetLoad(mine.id)->error.find("interrupted"), std::string::npos);
  EXPECT_EQ(db_->GetLoad(theirs.id)->status, LoadStatus::kRunning);
  EXPECT_EQ(db_->FailInterruptedLoads("host-a"), 0);
  EXPECT_EQ(db_->RunningLoadHosts(), std::vector<std::string>{"host-b"}) << "finished and failed loads hold nothing";
}

TEST_P(DatabaseContractTest, ListLoadsPagesNewestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewLoad(Table::kDepartments).id);
  const std::vector<LoadRecord> first = db_->ListLoads(Page{0, 2});
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0].id, ids[4]);
  EXPECT_EQ(first[1].id, ids[3]);
  const std::vector<LoadRecord> next = db_->ListLoads(Page{first[1].id, 10});
  ASSERT_EQ(next.size(), 3U);
  EXPECT_EQ(next[0].id, ids[2]);
  EXPECT_EQ(next[2].id, ids[0]);
}

TEST_P(DatabaseContractTest, ConflictsAreReportedSkippedOrOverwrittenByMode) {
  LoadRows(Table::kDepartments, {NamedRow(1, "Sales"), NamedRow(2, "Research")});
  const std::vector<Row> again = {NamedRow(3, "Legal"), NamedRow(1, "Renamed"), NamedRow(2, "Other")};

  const WriteResult rejected = LoadRows(Table::kDepartments, again, OnConflict::kReject);
  EXPECT_EQ(rejected.inserted, 1U);
  EXPECT_EQ(rejected.conflicts, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(db_->GetRow(Table::kDepartments, 1)->text, "Sales");

  const WriteResult skipped =
      LoadRows(Table::kDepartments, {NamedRow(1, "Renamed"), NamedRow(4, "Ops")}, OnConflict::kSkip);
  EXPECT_EQ(skipped.inserted, 1U);
  EXPECT_EQ(skipped.conflicts, (std::vector<uint32_t>{0}));
  EXPECT_EQ(db_->GetRow(Table::kDepartments, 1)->text, "Sales");

  const WriteResult updated =
      LoadRows(Table::kDepartments, {NamedRow(1, "Renamed"), NamedRow(5, "New")}, OnConflict::kUpdate);
  EXPECT_EQ(updated.inserted, 1U);
  EXPECT_EQ(updated.updated, 1U);
  EXPECT_TRUE(updated.conflicts.empty());
  EXPECT_EQ(db_->GetRow(Table::kDepartments, 1)->text, "Renamed");

  const WriteResult atomic = LoadRows(Table::kDepartments, {NamedRow(6, "Six"), NamedRow(2, "Dup")},
                                      OnConflict::kReject, /*all_or_nothing=*/true);
  EXPECT_EQ(atomic.inserted, 0U);
  EXPECT_EQ(atomic.conflicts, (std::vector<uint32_t>{1}));
  EXPECT_FALSE(db_->GetRow(Table::kDepartments, 6).has_value());
}

TEST_P(DatabaseContractTest, IdempotencyKeysAreOnePerPrincipalAndExpire) {
  LoadRecord load = NewLoad(Table::kJobs);
  IdempotencyRecord key{"alice", "k1", "POST /v1/jobs", 0, "ab12", 3600};
  auto tx = db_->BeginLoad(load.id, LoadMode::kWrite);
  tx->RecordIdempotencyKey(key);
  load.status = LoadStatus::kSucceeded;
  tx->Commit(load);

  const std::optional<IdempotencyRecord> found = db_->FindIdempotencyKey("alice", "k1", 3600);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->load_id, load.id);
  EXPECT_EQ(found->request, "POST /v1/jobs");
  EXPECT_EQ(found->fingerprint, "ab12");
  EXPECT_FALSE(db_->FindIdempotencyKey("bob", "k1", 3600).has_value());

  const LoadRecord second = NewLoad(Table::kJobs);
  auto other = db_->BeginLoad(second.id, LoadMode::kWrite);
  EXPECT_EQ(ErrorCodeOf([&] { other->RecordIdempotencyKey(key); }), core::ErrorCode::kConflict);
  other.reset();

  // A lifetime of 0 s: the stored key is expired (not found) and purged.
  EXPECT_FALSE(db_->FindIdempotencyKey("alice", "k1", 0).has_value());
  EXPECT_EQ(db_->PurgeExpiredIdempotencyKeys(0), 1);
  EXPECT_FALSE(db_->FindIdempotencyKey("alice", "k1", 3600).has_value());
}

TEST_P(DatabaseContractTest, BackupsAreListedNewestFirstFilteredAndFound) {
  for (int i = 0; i < 3; ++i) {
    BackupRecord backup;
    backup.id = std::string(31, '0') + std::to_string(i);
    backup.table = i == 1 ? Table::kJobs : Table::kDepartments;
    backup.rows = 10 + i;
    backup.bytes = 100 + i;
    backup.sha256 = std::string(64, 'a');
    backup.key = "backups/x/" + backup.id + ".avro";
    backup.location = "file://objects/" + backup.key;
    backup.created_us = 1'700'000'000'000'000 + i * 1'000'000;
    db_->RecordBackup(backup);
  }
  const std::vector<BackupRecord> all = db_->ListBackups(std::nullopt, Page{0, 10});
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].id, std::string(31, '0') + "2");
  const std::vector<BackupRecord> departments = db_->ListBackups(Table::kDepartments, Page{0, 10});
  EXPECT_EQ(departments.size(), 2U);
  EXPECT_EQ(db_->ListBackups(std::nullopt, Page{0, 1}).size(), 1U);
  const std::optional<BackupRecord> one = db_->GetBackup(std::string(31, '0') + "1");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->table, Table::kJobs);
  EXPECT_EQ(one->rows, 11);
  EXPECT_EQ(one->bytes, 101);
  EXPECT_EQ(one->created_us, 1'700'000'001'000'000);
}

TEST_P(DatabaseContractTest, AScanSeesEveryRowInIdOrderAndARestoreReplacesThem) {
  SeedCatalog();
  LoadRows(Table::kHiredEmployees,
           {HireRow(2, "2021-05-01T00:00:00Z", 1, 1), HireRow(1, "2021-01-02T03:04:05.678901Z", 2, 2)});
  const std::vector<Row> hires = Scan(Table::kHiredEmployees);
  ASSERT_EQ(hires.size(), 2U);
  EXPECT_EQ(hires[0], HireRow(1, "2021-01-02T03:04:05.678901Z", 2, 2));  // microseconds kept
  EXPECT_EQ(hires[1], HireRow(2, "2021-05-01T00:00:00Z", 1, 1));

  const int64_t version = db_->DataVersion();
  auto restore = db_->BeginRestore(Table::kHiredEmployees);
  restore->Add(std::vector<Row>{HireRow(7, "2022-12-31T23:59:59Z", 3, 1)});
  restore->Commit();
  EXPECT_EQ(Scan(Table::kHiredEmployees), (std::vector<Row>{HireRow(7, "2022-12-31T23:59:59Z", 3, 1)}));
  EXPECT_GT(db_->DataVersion(), version);
}

TEST_P(DatabaseContractTest, ARestoreThatWouldBreakAReferenceOrRepeatsAnIdChangesNothing) {
  SeedCatalog();
  LoadRows(Table::kHiredEmployees, {HireRow(1, "2021-05-01T00:00:00Z", 1, 1)});
  {
    auto restore = db_->BeginRestore(Table::kHiredEmployees);
    restore->Add(std::vector<Row>{HireRow(2, "2021-05-01T00:00:00Z", 99, 1)});
    EXPECT_EQ(ErrorCodeOf([&] { restore->Commit(); }), core::ErrorCode::kConflict);
  }
  {
    auto restore = db_->BeginRestore(Table::kDepartments);
    EXPECT_EQ(ErrorCodeOf([&] {
                restore->Add(std::vector<Row>{NamedRow(5, "A"), NamedRow(5, "B")});
                restore->Commit();
              }),
              core::ErrorCode::kConflict);
  }
  EXPECT_EQ(Scan(Table::kHiredEmployees), (std::vector<Row>{HireRow(1, "2021-05-01T00:00:00Z", 1, 1)}));
  EXPECT_EQ(Scan(Table::kDepartments).size(), 3U);
}

TEST_P(DatabaseContractTest, ReportsCountHiresPerQuarterInUtcAndPerDepartment) {
  SeedCatalog();
  LoadRows(Table::kHiredEmployees,
           {HireRow(1, "2021-01-01T00:00:00Z", 1, 1), HireRow(2, "2021-03-31T23:59:59Z", 1, 1),
            HireRow(3, "2021-04-01T00:00:00Z", 1, 1), HireRow(4, "2021-12-31T23:00:00-02:00", 2, 2),
            HireRow(5, "2020-12-31T23:59:59Z", 1, 1)});
  std::vector<QuarterCountsRow> quarters = db_->HiresByQuarter(2021);
  std::sort(quarters.begin(), quarters.end(),
            [](const auto& a, const auto& b) { return a.department_id < b.department_id; });
  ASSERT_EQ(quarters.size(), 1U);  // hire 4 is 2022-01-01T01:00Z in UTC
  EXPECT_EQ(quarters[0].department, "Sales");
  EXPECT_EQ(quarters[0].job, "Engineer");
  EXPECT_EQ(quarters[0].quarters, (std::array<int64_t, 4>{2, 1, 0, 0}));

  std::vector<DepartmentHiresRow> departments = db_->DepartmentHires(2021);
  std::sort(departments.begin(), departments.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  ASSERT_EQ(departments.size(), 3U);  // every department, 0 when it hired nobody
  EXPECT_EQ(departments[0].hired, 3);
  EXPECT_EQ(departments[1].hired, 0);
  EXPECT_EQ(departments[2].hired, 0);
  int64_t hired_2022 = 0;
  for (const auto& row : db_->DepartmentHires(2022)) hired_2022 += row.id == 2 ? row.hired : -row.hired;
  EXPECT_EQ(hired_2022, 1);  // hire 4, Research, in UTC; nobody else
}

std::string ContractBackendName(const ::testing::TestParamInfo<Backend>& param) {
  return ::migration::testing::BackendName(param.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContractTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         ContractBackendName);

}  // namespace
}  // namespace migration::db
