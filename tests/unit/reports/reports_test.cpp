// The two reports over the Database interface, on both backends: the order, the arithmetic and
// the edge cases are the reports module's, so both backends must answer identically.

#include "reports/reports.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "reports/report_cache.hpp"
#include "support/test_database.hpp"

namespace migration::reports {
namespace {

using core::Row;
using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::CommitRows;
using ::migration::testing::HireRow;
using ::migration::testing::NamedRow;
using ::migration::testing::TestDatabase;

class ReportsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    db_ = db::OpenDatabase(test_db_->url(), db::DatabaseOptions{});
    db_->Migrate();
    // Names out of id order, one department without hires, a name that sorts by bytes.
    CommitRows(
        *db_, Table::kDepartments,
        {NamedRow(1, "Support"), NamedRow(2, "Accounting"), NamedRow(3, "Marketing"), NamedRow(4, "accounting")});
    CommitRows(*db_, Table::kJobs, {NamedRow(1, "Writer"), NamedRow(2, "Analyst")});
    // 2021 by UTC quarter: an offset moves hire 5 into Q2 and hire 6 out of 2021 altogether.
    CommitRows(*db_, Table::kHiredEmployees,
               {HireRow(1, "2021-01-01T00:00:00Z", 1, 1), HireRow(2, "2021-03-31T23:59:59Z", 1, 1),
                HireRow(3, "2021-04-01T00:00:00Z", 2, 2), HireRow(4, "2021-12-31T23:59:59Z", 2, 1),
                HireRow(5, "2021-03-31T22:30:00-02:00", 1, 2), HireRow(6, "2021-12-31T23:30:00-01:00", 3, 1),
                HireRow(7, "2021-07-15T12:00:00Z", 2, 2), HireRow(8, "2020-05-05T00:00:00Z", 4, 1)});
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<db::Database> db_;
};

TEST_P(ReportsTest, HiresByQuarterAreOrderedByDepartmentThenJobAndSplitByUtcQuarter) {
  const HiresByQuarter report = BuildHiresByQuarter(*db_, 2021);
  ASSERT_EQ(report.rows.size(), 4U);
  // "Accounting" < "Support" by bytes; within a department, "Analyst" < "Writer".
  EXPECT_EQ(report.rows[0].department, "Accounting");
  EXPECT_EQ(report.rows[0].job, "Analyst");
  EXPECT_EQ(report.rows[0].quarters, (std::array<int64_t, 4>{0, 1, 1, 0}));
  EXPECT_EQ(report.rows[1].department, "Accounting");
  EXPECT_EQ(report.rows[1].job, "Writer");
  EXPECT_EQ(report.rows[1].quarters, (std::array<int64_t, 4>{0, 0, 0, 1}));
  EXPECT_EQ(report.rows[2].department, "Support");
  EXPECT_EQ(report.rows[2].job, "Analyst");
  EXPECT_EQ(report.rows[2].quarters, (std::array<int64_t, 4>{0, 1, 0, 0})) << "hire 5 is 00:30 UTC on April 1";
  EXPECT_EQ(report.rows[3].department, "Support");
  EXPECT_EQ(report.rows[3].job, "Writer");
  EXPECT_EQ(report.rows[3].quarters, (std::array<int64_t, 4>{2, 0, 0, 0}));
  EXPECT_TRUE(BuildHiresByQuarter(*db_, 2019).rows.empty());
}

TEST_P(ReportsTest, DepartmentsAboveTheMeanCountEveryDepartmentInTheMean) {
  // 2021: Support 3, Accounting 3, Marketing 0 (hire 6 is 2022 in UTC), accounting 0: mean 6 / 4.
  const DepartmentsAboveMean report = BuildDepartmentsAboveMean(*db_, 2021);
  EXPECT_DOUBLE_EQ(report.mean, 1.5);
  ASSERT_EQ(report.rows.size(), 2U);
  EXPECT_EQ(report.rows[0].id, 1) << "equal counts: ids ascending";
  EXPECT_EQ(report.rows[1].id, 2);
  EXPECT_EQ(report.rows[0].hired, 3);
  // 2022: only Marketing hired (1 of 4 departments): it alone is above the mean of 0.25.
  const DepartmentsAboveMean next = BuildDepartmentsAboveMean(*db_, 2022);
  EXPECT_DOUBLE_EQ(next.mean, 0.25);
  ASSERT_EQ(next.rows.size(), 1U);
  EXPECT_EQ(next.rows[0].department, "Marketing");
  EXPECT_TRUE(BuildDepartmentsAboveMean(*db_, 2019).rows.empty());
}

TEST_P(ReportsTest, TheCacheServesABodyUntilALoadCommits) {
  ReportCache cache;
  int renders = 0;
  const auto render = [&] { return "body " + std::to_string(++renders); };
  EXPECT_EQ(cache.Get(*db_, "hired-by-quarter", 2021, 0, render), "body 1");
  EXPECT_EQ(cache.Get(*db_, "hired-by-quarter", 2021, 0, render), "body 1");
  EXPECT_EQ(cache.Get(*db_, "hired-by-quarter", 2021, 1, render), "body 2") << "another format is another body";
  EXPECT_EQ(cache.Get(*db_, "hired-by-quarter", 2022, 0, render), "body 3") << "another year is another body";
  CommitRows(*db_, Table::kHiredEmployees, {HireRow(9, "2021-02-02T00:00:00Z", 1, 1)});
  EXPECT_EQ(cache.Get(*db_, "hired-by-quarter", 2021, 0, render), "body 4") << "a committed load invalidates";
}

TEST(ParseYearTest, TakesAPlainYearAndNamesTheRuleOtherwise) {
  EXPECT_EQ(ParseYear("2021"), 2021);
  EXPECT_EQ(ParseYear("1900"), 1900);
  EXPECT_EQ(ParseYear("2100"), 2100);
  for (const char* bad : {"", "21x", "-2021", "20210", "2021.0", " 2021", "1899", "2101"}) {
    try {
      ParseYear(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest) << bad;
    }
  }
}

std::string ReportsBackendName(const ::testing::TestParamInfo<Backend>& param) {
  return ::migration::testing::BackendName(param.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         ReportsBackendName);

}  // namespace
}  // namespace migration::reports
