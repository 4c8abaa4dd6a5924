// Import jobs on both backends, through the Database interface and the runner: claims and
// leases (a job whose replica stopped renewing is taken over, and the old holder can change
// nothing), the fence that marks a step done only with its rows, cancels and hand-backs that leave
// nothing of the running table, and a folder loaded in foreign-key order past the load's flush
// size with duplicates and rejects.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/database.hpp"
#include "imports/import_plan.hpp"
#include "imports/import_runner.hpp"
#include "ingest/load.hpp"
#include "storage/file_object_store.hpp"
#include "support/api_fixture.hpp"
#include "support/test_database.hpp"

namespace migration::imports {
namespace {

namespace fs = std::filesystem;
using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::TestDatabase;
using std::chrono::milliseconds;

constexpr int32_t kHires = 45000;  // crosses the load's 20,000-row flush twice

// departments 1..10, jobs 1..5; hires 1..kHires where every 50th names department 99 (unknown),
// every 70th has a bad datetime, and ids 100..199 appear twice (the second copy is rejected,
// unless the first was).
struct Folder {
  std::string departments, jobs, hires;
  int64_t valid_hires = 0;
  int64_t rejected_hires = 0;
};

Folder MakeFolder() {
  Folder f;
  for (int i = 1; i <= 10; ++i) f.departments += fmt::format("{},Dept {}\n", i, i);
  for (int i = 1; i <= 5; ++i) f.jobs += fmt::format("{},Job {}\n", i, i);
  for (int32_t id = 1; id <= kHires; ++id) {
    const bool unknown = id % 50 == 0;
    const bool bad_date = id % 70 == 0;
    f.hires += fmt::format("{},\"Hire, {}\",2021-{:02}-03T04:05:06Z,{},{}\n", id, id, bad_date ? 13 : 1 + id % 12,
                           unknown ? 99 : 1 + id % 10, 1 + id % 5);
    if (unknown || bad_date) {
      ++f.rejected_hires;
    } else {
      ++f.valid_hires;
    }
  }
  for (int32_t id = 100; id < 200; ++id) {
    f.hires += fmt::format("{},Again,2021-05-05T00:00:00Z,1,1\n", id);
    const bool first_rejected = id % 50 == 0 || id % 70 == 0;
    if (first_rejected) {
      ++f.valid_hires;
    } else {
      ++f.rejected_hires;
    }
  }
  return f;
}

class ImportJobsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    db_ = db::OpenDatabase(database_->url(), {});
    db_->Migrate();
    dir_ = fs::temp_directory_path() / fmt::format("import-jobs-{}-{}", ::getpid(), counter_++);
    fs::create_directories(dir_);
    store_ = std::make_unique<storage::FileObjectStore>(dir_);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // A queued job for `source` (relative to the store).
  int64_t Queue(const std::string& source, bool dry_run = false) {
    db::ImportRecord import;
    import.source = store_->Location(source);
    import.dry_run = dry_run;
    import.steps = PlanImport(*store_, import.source, std::nullopt);
    return db_->Imports().Create(import, std::nullopt);
  }

  db::ImportRecord Get(int64_t id) { return db_->Imports().Get(id).value(); }
  long long Count(const std::string& table) { return database_->QueryInt("SELECT count(*) FROM " + table); }
  void PutFolder(const Folder& f) {
    store_->Put("folder/departments.csv", f.departments);
    store_->Put("folder/jobs.csv", f.jobs);
    store_->Put("folder/hired_employees.csv", f.hires);
  }

  static inline int counter_ = 0;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<db::Database> db_;
  fs::path dir_;
  std::unique_ptr<storage::FileObjectStore> store_;
};

TEST_P(ImportJobsTest, AClaimHoldsTheJobUntilItsLeaseExpiresThenAnotherTakesItOverAndTheOldHolderCanDoNothing) {
  store_->Put("d/departments.csv", "1,Sales\n");
  const int64_t id = Queue("d/departments.csv");
  auto& queue = db_->Imports();
  const auto first = queue.Claim("replica-a", milliseconds(300), 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->import.id, id);
  EXPECT_EQ(first->import.status, db::ImportStatus::kRunning);
  EXPECT_FALSE(queue.Claim("replica-b", milliseconds(300), 0)) << "a live lease is not claimed again";

  // Attempt 1 starts its load, then its replica dies (it never renews).
  db::LoadRecord load;
  load.table = Table::kDepartments;
  load.source = "import";
  load.started_us = core::NowMicros();
  const int64_t load_id = db_->CreateLoad(load);
  queue.StartStep(id, first->lease_token, 0, load_id, 8);
  std::this_thread::sleep_for(milliseconds(450));

  const auto second = queue.Claim("replica-b", milliseconds(30000), 0);
  ASSERT_TRUE(second) << "an expired lease is taken over";
  EXPECT_EQ(second->import.id, id);
  EXPECT_EQ(second->import.attempts, 2);
  EXPECT_EQ(second->import.host, "replica-b");
  EXPECT_NE(second->lease_token, first->lease_token);
  ASSERT_EQ(second->import.steps.size(), 1u);
  EXPECT_EQ(second->import.steps[0].status, "queued") << "the interrupted step runs again from the start";
  EXPECT_EQ(second->import.steps[0].attempts, 1);
  const auto abandoned = db_->GetLoad(load_id);
  EXPECT_EQ(abandoned->status, db::LoadStatus::kFailed) << "the interrupted attempt is recorded as failed";
  EXPECT_NE(abandoned->error.find("lease expired"), std::string::npos) << abandoned->error;

  // The old holder is fenced off everything.
  EXPECT_FALSE(queue.Renew(id, first->lease_token, milliseconds(300), std::nullopt).held);
  EXPECT_THROW(queue.StartStep(id, first->lease_token, 0, load_id, 8), core::Error);
  EXPECT_FALSE(queue.Finish(id, first->lease_token, db::ImportStatus::kSucceeded, ""));
  EXPECT_FALSE(queue.Release(id, first->lease_token));
  EXPECT_EQ(Get(id).status, db::ImportStatus::kRunning);
  EXPECT_TRUE(queue.Renew(id, second->lease_token, milliseconds(30000), std::nullopt).held);

  // A cancel asked on another replica reaches the holder with its next renewal.
  EXPECT_EQ(queue.Cancel(id), db::CancelOutcome::kRequested);
  const db::ImportLeaseState state = queue.Renew(id, second->lease_token, milliseconds(30000), std::nullopt);
  EXPECT_TRUE(state.held);
  EXPECT_TRUE(state.cancel_requested);
}

TEST_P(ImportJobsTest, ALoadWhoseLeaseWasLostCommitsNothingAndLeavesTheStepUndone) {
  store_->Put("d/departments.csv", "1,Sales\n2,Legal\n");
  const int64_t id = Queue("d/departments.csv");
  auto& queue = db_->Imports();
  const auto first = queue.Claim("replica-a", milliseconds(200), 0);
  ASSERT_TRUE(first);
  ingest::LoadOptions options;
  options.table = Table::kDepartments;
  options.import_step = db::ImportStepCommit{id, 0, first->lease_token, 0, "", {}, 16};
  // Attempt 1 records its step, then stalls past its lease and another replica takes the job
  // (before the load's transaction opens: on SQLite that holds the only write lock).
  options.recorded = [&](int64_t load_id) {
    queue.StartStep(id, first->lease_token, 0, load_id, 16);
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_TRUE(queue.Claim("replica-b", milliseconds(30000), 0));
  };
  ingest::Load load(*db_, options);
  const std::string a = "1,Sales", b = "2,Legal";
  load.AddRecord(std::vector<std::optional<std::string_view>>{"1", "Sales"}, 1, a);
  load.AddRecord(std::vector<std::optional<std::string_view>>{"2", "Legal"}, 2, b);
  EXPECT_THROW(load.Finish(), core::Error);
  EXPECT_EQ(Count("departments"), 0) << "the fence rolled the rows back";
  EXPECT_EQ(Get(id).steps[0].status, "queued");
  EXPECT_EQ(db_->GetLoad(load.id())->status, db::LoadStatus::kFailed);
}

TEST_P(ImportJobsTest, TheRunnerLoadsAFolderInForeignKeyOrderPastTheFlushSizeWithEveryRejectCounted) {
  const Folder folder = MakeFolder();
  PutFolder(folder);
  const int64_t id = Queue("folder/");
  ImportRunner runner(*db_, *store_, {1, milliseconds(3000), milliseconds(50), "test"});
  runner.Start();
  runner.Notify();
  db::ImportRecord import;
  for (int i = 0; i < 1200; ++i) {
    import = Get(id);
    if (db::IsFinal(import.status)) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  runner.Stop();
  ASSERT_EQ(import.status, db::ImportStatus::kSucceeded) << import.error;
  ASSERT_EQ(import.steps.size(), 3u);
  EXPECT_EQ(import.steps[0].table, Table::kDepartments);
  EXPECT_EQ(import.steps[1].table, Table::kJobs);
  EXPECT_EQ(import.steps[2].table, Table::kHiredEmployees);
  EXPECT_EQ(import.steps[0].status, "succeeded");
  EXPECT_EQ(import.steps[2].status, "partial");
  EXPECT_EQ(import.steps[2].counts.inserted, static_cast<uint64_t>(folder.valid_hires));
  EXPECT_EQ(import.steps[2].counts.rejected, static_cast<uint64_t>(folder.rejected_hires));
  EXPECT_EQ(import.steps[2].bytes_read, folder.hires.size());
  EXPECT_EQ(import.steps[2].bytes_total, folder.hires.size());
  EXPECT_EQ(Count("hired_employees"), folder.valid_hires);
  EXPECT_EQ(Count("departments"), 10);
  const auto load = db_->GetLoad(*import.steps[2].load_id);
  EXPECT_EQ(load->counts.rejected, static_cast<uint64_t>(folder.rejected_hires));
  EXPECT_EQ(load->source, fmt::format("import:{}", id));
  EXPECT_EQ(load->archive, store_->Location("folder/hired_employees.csv"));
}

TEST_P(ImportJobsTest, ADryRunImportCountsWhatTheRealOneWouldAndWritesNoRow) {
  const Folder folder = MakeFolder();
  PutFolder(folder);
  const int64_t id = Queue("folder/", /*dry_run=*/true);
  ImportRunner runner(*db_, *store_, {1, milliseconds(3000), milliseconds(50), "test"});
  auto claim = db_->Imports().Claim("test", milliseconds(3000), 0);
  ASSERT_TRUE(claim);
  EXPECT_EQ(runner.Run(*claim), db::ImportStatus::kSucceeded);
  const auto import = Get(id);
  EXPECT_EQ(import.steps[2].status, "dry_run");
  EXPECT_EQ(Count("hired_employees"), 0);
  EXPECT_EQ(Count("departments"), 0);
  // The hires' references were checked against departments and jobs that were never written:
  // every hire is rejected.
  EXPECT_EQ(import.steps[2].counts.rejected, static_cast<uint64_t>(kHires + 100));
  EXPECT_EQ(import.steps[0].counts.inserted, 10u) << "what the real load would have inserted";
}

TEST_P(ImportJobsTest, ACancelWhileRunningRollsTheTableBackAndACancelWhileQueuedNeverRunsIt) {
  const Folder folder = MakeFolder();
  PutFolder(folder);
  std::string big;
  while (big.size() < (6u << 20)) big += folder.hires;  // several pieces of the file store's reads
  store_->Put("big/hired_employees.csv", big);
  store_->Put("d/departments.csv", "1,Sales\n");
  const int64_t queued = Queue("d/departments.csv");
  EXPECT_EQ(db_->Imports().Cancel(queued), db::CancelOutcome::kCancelled);
  EXPECT_EQ(Get(queued).status, db::ImportStatus::kCancelled);
  EXPECT_EQ(db_->Imports().Cancel(queued), db::CancelOutcome::kAlreadyFinal);
  EXPECT_EQ(db_->Imports().Cancel(987654), db::CancelOutcome::kNotFound);

  const int64_t id = Queue("big/hired_employees.csv");
  ImportRunner runner(*db_, *store_, {1, milliseconds(3000), milliseconds(50), "test"});
  auto claim = db_->Imports().Claim("test", milliseconds(3000), 0);
  ASSERT_TRUE(claim);
  ASSERT_EQ(claim->import.id, id) << "the cancelled job is not claimed";
  bool asked = false;
  const auto status = runner.Run(*claim, [&](const db::ImportStep&, const LiveProgress& live) {
    if (asked || live.bytes_read == 0) return;
    asked = true;
    EXPECT_TRUE(runner.CancelLocal(id));  // what DELETE /v1/imports/{id} does on the replica running it
  });
  EXPECT_TRUE(asked);
  EXPECT_EQ(status, db::ImportStatus::kCancelled);
  const auto import = Get(id);
  EXPECT_EQ(import.status, db::ImportStatus::kCancelled);
  EXPECT_EQ(import.steps[0].status, "cancelled");
  EXPECT_EQ(Count("hired_employees"), 0);
  EXPECT_EQ(db_->GetLoad(*import.steps[0].load_id)->status, db::LoadStatus::kFailed);
}

TEST_P(ImportJobsTest, AStoppingRunnerHandsTheJobBackAndTheNextClaimLoadsItWhole) {
  const Folder folder = MakeFolder();
  PutFolder(folder);
  std::string departments;
  for (int i = 1; i <= 300000; ++i) departments += fmt::format("{},Department number {}\n", i, i);
  store_->Put("big/departments.csv", departments);
  const int64_t id = Queue("big/departments.csv");
  {
    ImportRunner runner(*db_, *store_, {1, milliseconds(3000), milliseconds(50), "test"});
    auto claim = db_->Imports().Claim("test", milliseconds(3000), 0);
    ASSERT_TRUE(claim);
    bool stopped = false;
    const auto status = runner.Run(*claim, [&](const db::ImportStep&, const LiveProgress& live) {
      if (stopped || live.bytes_read == 0) return;
      stopped = true;
      runner.Stop();  // SIGTERM
    });
    EXPECT_EQ(status, db::ImportStatus::kQueued);
  }
  auto import = Get(id);
  EXPECT_EQ(import.status, db::ImportStatus::kQueued) << "handed back at once, not after a lease";
  EXPECT_EQ(import.steps[0].status, "queued");
  EXPECT_EQ(Count("departments"), 0);
  ImportRunner next(*db_, *store_, {1, milliseconds(3000), milliseconds(50), "test"});
  auto claim = db_->Imports().Claim("test", milliseconds(3000), 0);
  ASSERT_TRUE(claim);
  EXPECT_EQ(next.Run(*claim), db::ImportStatus::kSucceeded);
  import = Get(id);
  EXPECT_EQ(import.steps[0].attempts, 2);
  EXPECT_EQ(Count("departments"), 300000);
}

TEST_P(ImportJobsTest, AJobThatKeepsKillingItsReplicasIsFailedAfterTheLastAttempt) {
  store_->Put("d/departments.csv", "1,Sales\n");
  const int64_t id = Queue("d/departments.csv");
  for (int i = 0; i < db::kMaxImportAttempts; ++i) {
    ASSERT_TRUE(db_->Imports().Claim("replica", milliseconds(1), 0)) << i;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_FALSE(db_->Imports().Claim("replica", milliseconds(1), 0));
  const auto import = Get(id);
  EXPECT_EQ(import.status, db::ImportStatus::kFailed);
  EXPECT_NE(import.error.find("gave up"), std::string::npos) << import.error;
}

TEST_P(ImportJobsTest, ASourceOutsideTheStoreOrNamingNoTableIsRefused) {
  store_->Put("d/notes.csv", "1,Sales\n");
  EXPECT_THROW(PlanImport(*store_, "file:///etc/passwd", std::nullopt), core::Error);
  EXPECT_THROW(PlanImport(*store_, store_->Location("../x/departments.csv"), std::nullopt), core::Error);
  EXPECT_THROW(PlanImport(*store_, store_->Location("d/notes.csv"), std::nullopt), core::Error);
  EXPECT_THROW(PlanImport(*store_, store_->Location("d/missing.csv"), std::nullopt), core::Error);
  EXPECT_THROW(PlanImport(*store_, store_->Location("empty/"), std::nullopt), core::Error);
  EXPECT_EQ(PlanImport(*store_, store_->Location("d/notes.csv"), Table::kJobs).at(0).table, Table::kJobs);
}

TEST_P(ImportJobsTest, AnImportsIdempotencyKeyIsKeptForItsLifetimeThenPurgedWithTheLoads) {
  store_->Put("k/jobs.csv", "1,Engineer\n");
  db::ImportRecord import;
  import.source = store_->Location("k/jobs.csv");
  import.steps = PlanImport(*store_, import.source, std::nullopt);
  const db::IdempotencyRecord key{"alice", "import-1", "POST /v1/imports", 0, "ab12", 3600};
  const int64_t id = db_->Imports().Create(import, key);
  ASSERT_TRUE(db_->Imports().FindKey("alice", "import-1", 3600).has_value());
  EXPECT_EQ(db_->PurgeExpiredIdempotencyKeys(3600), 0) << "not expired yet";
  ASSERT_TRUE(db_->Imports().FindKey("alice", "import-1", 3600).has_value());
  EXPECT_EQ(db_->PurgeExpiredIdempotencyKeys(0), 1);
  EXPECT_FALSE(db_->Imports().FindKey("alice", "import-1", 3600).has_value()) << "gone, not only expired";
  EXPECT_EQ(Get(id).status, db::ImportStatus::kQueued) << "the job itself stays";
}

MIGRATION_ON_BOTH_BACKENDS(ImportJobsTest);

}  // namespace
}  // namespace migration::imports
