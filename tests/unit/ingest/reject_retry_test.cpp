// Retrying a load's rejects (ingest/reject_retry.hpp) on both backends: the records valid now are
// loaded as a new load naming the first; the others stay rejected with their current reasons at
// their first positions; the first load is left as it was.

#include "ingest/reject_retry.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"
#include "support/test_database.hpp"

namespace migration::ingest {
namespace {

using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::CommitRows;
using ::migration::testing::NamedRow;
using ::migration::testing::TestDatabase;

class RejectRetryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    db_ = db::OpenDatabase(test_db_->url(), db::DatabaseOptions{});
    db_->Migrate();
    CommitRows(*db_, Table::kDepartments, {NamedRow(1, "Sales"), NamedRow(2, "Research")});
    CommitRows(*db_, Table::kJobs, {NamedRow(1, "Engineer")});
  }

  LoadResult LoadHiresCsv(const std::string& csv) {
    LoadOptions options;
    options.table = Table::kHiredEmployees;
    Load load(*db_, options);
    CsvInput input(load, Table::kHiredEmployees, HeaderMode::kAbsent);
    input.Consume(csv);
    input.Finish();
    return load.Finish();
  }

  std::vector<db::StoredReject> Rejects(int64_t load_id) { return db_->ListRejects(load_id, {0, 100}); }

  static std::string Codes(const db::StoredReject& reject) { return reject.reject.errors_json; }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<db::Database> db_;
};

TEST_P(RejectRetryTest, RecordsValidNowAreLoadedAndTheRestKeepTheirCurrentReasons) {
  const std::string long_name(5000, 'n');
  const LoadResult first = LoadHiresCsv(
      "1,Ann,2021-01-05T10:00:00Z,1,1\n"           // line 1: valid
      "2,Bob,2021-02-05T10:00:00Z,5,1\n"           // line 2: department 5 not loaded yet
      "3,Cid,2021-03-05T10:00:00Z,1,7\n"           // line 3: job 7 never loaded
      "4,Dee,2021-13-05T10:00:00Z,1,1\n"           // line 4: no such month
      "5,\"Eve, Jr.\",2021-04-05T10:00:00Z,5,1\n"  // line 5: department 5, quoted name
      "6," +
      long_name + ",2021-05-05T10:00:00Z,1,1\n");  // line 6: kept only in part
  ASSERT_EQ(first.record.counts.rejected, 5U);
  const auto first_rejects = Rejects(first.record.id);

  CommitRows(*db_, Table::kDepartments, {NamedRow(5, "Legal")});
  const LoadResult retry = RetryRejects(*db_, first.record, {});
  EXPECT_EQ(retry.record.retry_of, first.record.id);
  EXPECT_EQ(db_->GetLoad(retry.record.id)->retry_of, first.record.id);
  EXPECT_EQ(retry.record.source, "retry");
  EXPECT_EQ(retry.record.counts.received, 5U);
  EXPECT_EQ(retry.record.counts.inserted, 2U);
  EXPECT_EQ(retry.record.counts.rejected, 3U);
  EXPECT_EQ(retry.record.status, db::LoadStatus::kPartial);
  EXPECT_EQ(db_->GetRow(Table::kHiredEmployees, 2)->department_id, 5);
  EXPECT_EQ(db_->GetRow(Table::kHiredEmployees, 5)->text, "Eve, Jr.");

  const auto still = Rejects(retry.record.id);
  ASSERT_EQ(still.size(), 3U);
  EXPECT_EQ(still[0].reject.position, 3);
  EXPECT_NE(Codes(still[0]).find("unknown_reference"), std::string::npos) << Codes(still[0]);
  EXPECT_EQ(still[1].reject.position, 4);
  EXPECT_NE(Codes(still[1]).find("datetime"), std::string::npos) << Codes(still[1]);
  EXPECT_EQ(still[2].reject.position, 6);
  EXPECT_NE(Codes(still[2]).find("record_cut"), std::string::npos) << Codes(still[2]);

  // The first load is history: its record and rejects unchanged.
  EXPECT_EQ(db_->GetLoad(first.record.id)->counts.rejected, 5U);
  ASSERT_EQ(Rejects(first.record.id).size(), first_rejects.size());
  EXPECT_FALSE(db_->GetLoad(first.record.id)->retry_of.has_value());

  // Retried again: the rows loaded by the retry are duplicates now.
  const LoadResult again = RetryRejects(*db_, first.record, {});
  EXPECT_EQ(again.record.counts.inserted, 0U);
  EXPECT_EQ(again.record.counts.rejected, 5U);
}

TEST_P(RejectRetryTest, ManyPagesOfRejectsAreAllRetried) {
  // 2,500 hires of a department that does not exist yet: rejects read back in 1,000-row pages.
  std::string csv;
  for (int id = 1; id <= 2500; ++id) csv += fmt::format("{},Person {},2021-06-01T00:00:00Z,9,1\n", id, id);
  const LoadResult first = LoadHiresCsv(csv);
  ASSERT_EQ(first.record.counts.rejected, 2500U);
  CommitRows(*db_, Table::kDepartments, {NamedRow(9, "Ops")});

  const LoadResult dry = RetryRejects(*db_, first.record, {.dry_run = true});
  EXPECT_EQ(dry.record.status, db::LoadStatus::kDryRun);
  EXPECT_EQ(dry.record.counts.inserted, 2500U);
  EXPECT_EQ(db_->ListRows(Table::kHiredEmployees, {0, 10}).size(), 0U);

  const LoadResult retry = RetryRejects(*db_, first.record, {});
  EXPECT_EQ(retry.record.counts.received, 2500U);
  EXPECT_EQ(retry.record.counts.inserted, 2500U);
  EXPECT_EQ(retry.record.status, db::LoadStatus::kSucceeded);
  EXPECT_EQ(test_db_->QueryInt("SELECT count(*) FROM hired_employees"), 2500);
}

TEST_P(RejectRetryTest, ABatchsRejectsAreReadBackAsJsonAtTheirIndex) {
  LoadOptions options;
  options.table = Table::kDepartments;
  options.locator = db::RejectLocator::kIndex;
  Load load(*db_, options);
  JsonRows(R"([{"id":3,"department":"Ops"},{"id":1,"department":"Again"},{"id":4,"department":" "}])")
      .FeedTo(load, Table::kDepartments);
  const LoadResult first = load.Finish();
  ASSERT_EQ(first.record.counts.rejected, 2U);
  // Department 1 goes away (the id is free now); department 4's name is still blank.
  test_db_->Execute("DELETE FROM departments WHERE id = 1");
  const LoadResult retry = RetryRejects(*db_, first.record, {});
  EXPECT_EQ(retry.record.counts.inserted, 1U);
  EXPECT_EQ(db_->GetRow(Table::kDepartments, 1)->text, "Again");
  const auto still = Rejects(retry.record.id);
  ASSERT_EQ(still.size(), 1U);
  EXPECT_EQ(still[0].reject.locator, db::RejectLocator::kIndex);
  EXPECT_EQ(still[0].reject.position, 2);
}

TEST_P(RejectRetryTest, ALoadWithoutRejectsHasNothingToRetry) {
  const LoadResult clean = LoadHiresCsv("1,Ann,2021-01-05T10:00:00Z,1,1\n");
  try {
    RetryRejects(*db_, clean.record, {});
    FAIL() << "a load without rejects was retried";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnprocessable);
  }
}

INSTANTIATE_TEST_SUITE_P(BothBackends, RejectRetryTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param_info) {
                           return ::migration::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace migration::ingest
