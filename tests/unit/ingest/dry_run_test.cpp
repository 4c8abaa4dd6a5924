// Dry runs (?dry_run=true, `load --dry-run`) on both backends: the same counts and rejects as the
// real load of the same input, over many flushes, with duplicates within the input and against
// the table, unknown references and malformed rows; and nothing changed but the load's record.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "db/database.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"
#include "ingest/load.hpp"
#include "support/test_database.hpp"

namespace migration::ingest {
namespace {

using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::CommitRows;
using ::migration::testing::HireRow;
using ::migration::testing::NamedRow;
using ::migration::testing::TestDatabase;

constexpr size_t kBatchRows = 200;       // the load's flush size, crossed 15 times below
constexpr int32_t kExistingHires = 500;  // ids 1..500 are in the table before each load
constexpr int32_t kInputRecords = 3000;

// What a user can see of the data: every hire, the report counts, the data version.
struct DataState {
  std::vector<core::Row> hires;
  std::vector<db::QuarterCountsRow> quarters;
  int64_t version = 0;
};

DataState StateOf(db::Database& db) {
  DataState state;
  for (int64_t after = 0;;) {
    const auto page = db.ListRows(Table::kHiredEmployees, {after, 1000});
    state.hires.insert(state.hires.end(), page.begin(), page.end());
    if (page.size() < 1000) break;
    after = page.back().id;
  }
  state.quarters = db.HiresByQuarter(2021);
  std::sort(state.quarters.begin(), state.quarters.end(), [](const auto& a, const auto& b) {
    return std::tie(a.department_id, a.job_id) < std::tie(b.department_id, b.job_id);
  });
  state.version = db.DataVersion();
  return state;
}

void ExpectSameState(const DataState& a, const DataState& b) {
  EXPECT_EQ(a.hires, b.hires);
  ASSERT_EQ(a.quarters.size(), b.quarters.size());
  for (size_t i = 0; i < a.quarters.size(); ++i) {
    EXPECT_EQ(a.quarters[i].department_id, b.quarters[i].department_id);
    EXPECT_EQ(a.quarters[i].job_id, b.quarters[i].job_id);
    EXPECT_EQ(a.quarters[i].quarters, b.quarters[i].quarters);
  }
  EXPECT_EQ(a.version, b.version);
}

// A hires file with every kind of record: new ids, ids already in the table, repeats of earlier
// ids (some across flushes, some with other values), unknown departments, bad datetimes, short
// records.
std::string HiresCsv() {
  std::string csv;
  for (int32_t line = 1; line <= kInputRecords; ++line) {
    // Ids run from 250 upward (the first 251 exist), every 37th repeats the id of 450 lines back.
    const int32_t id = line % 37 == 0 && line > 450 ? 250 + line - 450 : 250 + line;
    const int32_t department = line % 29 == 0 ? 99 : 1 + line % 20;
    const std::string when = line % 31 == 0 ? "2021-13-01T00:00:00Z"
                                            : fmt::format("2021-{:02}-{:02}T10:00:00Z", 1 + line % 12, 1 + line % 28);
    if (line % 401 == 0) {
      csv += fmt::format("{},only two fields\n", id);
      continue;
    }
    csv += fmt::format("{},\"Person {}, {}\",{},{},{}\n", id, line, line % 3, when, department, 1 + line % 10);
  }
  return csv;
}

std::vector<db::StoredReject> AllRejects(db::Database& db, int64_t load_id) {
  std::vector<db::StoredReject> all;
  for (int64_t after = 0;;) {
    const auto page = db.ListRejects(load_id, {after, 500});
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < 500) break;
    after = page.back().seq;
  }
  return all;
}

std::string DryRunCaseName(const ::testing::TestParamInfo<std::tuple<Backend, db::OnConflict>>& param_info) {
  return ::migration::testing::BackendName(std::get<0>(param_info.param)) + "_" +
         std::string(db::OnConflictName(std::get<1>(param_info.param)));
}

class DryRunTest : public ::testing::TestWithParam<std::tuple<Backend, db::OnConflict>> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(std::get<0>(GetParam()));
    db_ = db::OpenDatabase(test_db_->url(), db::DatabaseOptions{});
    db_->Migrate();
    std::vector<core::Row> departments;
    for (int32_t id = 1; id <= 20; ++id) departments.push_back(NamedRow(id, fmt::format("Department {}", id)));
    CommitRows(*db_, Table::kDepartments, departments);
    std::vector<core::Row> jobs;
    for (int32_t id = 1; id <= 10; ++id) jobs.push_back(NamedRow(id, fmt::format("Job {}", id)));
    CommitRows(*db_, Table::kJobs, jobs);
    std::vector<core::Row> hires;
    for (int32_t id = 1; id <= kExistingHires; ++id) {
      hires.push_back(HireRow(id, fmt::format("2021-{:02}-01T00:00:00Z", 1 + id % 12), 1 + id % 20, 1 + id % 10));
    }
    CommitRows(*db_, Table::kHiredEmployees, hires);
  }

  LoadResult LoadCsv(const std::string& csv, bool dry_run) {
    LoadOptions options;
    options.table = Table::kHiredEmployees;
    options.on_conflict = std::get<1>(GetParam());
    options.batch_rows = kBatchRows;
    options.dry_run = dry_run;
    Load load(*db_, options);
    CsvInput input(load, Table::kHiredEmployees, HeaderMode::kAbsent);
    for (size_t at = 0; at < csv.size(); at += 4096) input.Consume(std::string_view(csv).substr(at, 4096));
    input.Finish();
    return load.Finish();
  }

  LoadResult LoadJson(const std::string& json, bool dry_run) {
    LoadOptions options;
    options.table = Table::kHiredEmployees;
    options.on_conflict = std::get<1>(GetParam());
    options.atomic = true;
    options.locator = db::RejectLocator::kIndex;
    options.dry_run = dry_run;
    Load load(*db_, options);
    JsonRows(json).FeedTo(load, Table::kHiredEmployees);
    return load.Finish();
  }

  void ExpectSameRejects(int64_t dry_load, int64_t real_load) {
    const auto dry = AllRejects(*db_, dry_load);
    const auto real = AllRejects(*db_, real_load);
    ASSERT_EQ(dry.size(), real.size());
    for (size_t i = 0; i < dry.size(); ++i) {
      EXPECT_EQ(dry[i].reject.position, real[i].reject.position) << "reject " << i;
      EXPECT_EQ(dry[i].reject.raw, real[i].reject.raw) << "reject " << i;
      EXPECT_EQ(dry[i].reject.errors_json, real[i].reject.errors_json) << "reject " << i;
    }
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<db::Database> db_;
};

void ExpectSameCounts(const db::LoadCounts& dry, const db::LoadCounts& real) {
  EXPECT_EQ(dry.received, real.received);
  EXPECT_EQ(dry.inserted, real.inserted);
  EXPECT_EQ(dry.updated, real.updated);
  EXPECT_EQ(dry.rejected, real.rejected);
  EXPECT_EQ(dry.skipped, real.skipped);
}

TEST_P(DryRunTest, AFileChecksLikeItsLoadAcrossManyFlushesAndChangesNothing) {
  const std::string csv = HiresCsv();
  const DataState before = StateOf(*db_);
  const LoadResult dry = LoadCsv(csv, true);
  ExpectSameState(before, StateOf(*db_));
  EXPECT_EQ(dry.record.status, db::LoadStatus::kDryRun);
  EXPECT_EQ(db_->GetLoad(dry.record.id)->status, db::LoadStatus::kDryRun);
  // Twice the same dry run: the first left nothing behind that the second could trip on.
  ExpectSameCounts(LoadCsv(csv, true).record.counts, dry.record.counts);

  const LoadResult real = LoadCsv(csv, false);
  ExpectSameCounts(dry.record.counts, real.record.counts);
  EXPECT_EQ(real.record.status, db::OutcomeOf(dry.record.counts));
  ExpectSameRejects(dry.record.id, real.record.id);
  // The input is not trivial: every kind of record is in it.
  EXPECT_EQ(dry.record.counts.received, static_cast<uint64_t>(kInputRecords));
  EXPECT_GT(dry.record.counts.rejected, 100U);
  EXPECT_GT(dry.record.counts.inserted, 2000U);
  const DataState after = StateOf(*db_);
  EXPECT_GT(after.version, before.version);
  EXPECT_GT(after.hires.size(), before.hires.size());
}

TEST_P(DryRunTest, AnAtomicBatchChecksLikeItsLoad) {
  // Batch 1: one id exists (a conflict under reject: the whole batch would be refused).
  // Batch 2: all new; repeated within itself.
  for (const std::string json : {
           R"([{"id":9001,"name":"A","datetime":"2021-05-01T00:00:00Z","department_id":1,"job_id":1},
               {"id":7,"name":"B","datetime":"2021-06-01T00:00:00Z","department_id":2,"job_id":2}])",
           R"([{"id":9101,"name":"C","datetime":"2021-05-01T00:00:00Z","department_id":1,"job_id":1},
               {"id":9101,"name":"D","datetime":"2021-07-01T00:00:00Z","department_id":3,"job_id":3}])"}) {
    const DataState before = StateOf(*db_);
    const LoadResult dry = LoadJson(json, true);
    ExpectSameState(before, StateOf(*db_));
    const LoadResult real = LoadJson(json, false);
    ExpectSameCounts(dry.record.counts, real.record.counts);
    EXPECT_EQ(real.record.status, db::OutcomeOf(dry.record.counts)) << json;
    ExpectSameRejects(dry.record.id, real.record.id);
  }
}

INSTANTIATE_TEST_SUITE_P(BothBackends, DryRunTest,
                         ::testing::Combine(::testing::Values(Backend::kSqlite, Backend::kPostgres),
                                            ::testing::Values(db::OnConflict::kReject, db::OnConflict::kSkip,
                                                              db::OnConflict::kUpdate)),
                         DryRunCaseName);

}  // namespace
}  // namespace migration::ingest
