// The command line: `migration-api load`, `db migrate` and `--help`, on both backends.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "support/challenge_data.hpp"
#include "support/command.hpp"
#include "support/test_database.hpp"

namespace migration::testing {
namespace {

class CliTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { database_ = std::make_unique<TestDatabase>(GetParam()); }
  CommandResult Run(std::vector<std::string> args) {
    args.push_back("--database-url");
    args.push_back(database_->url());
    return RunMigrationApi(args);
  }
  // `load FOLDER`: the rows worked out from the files, and a summary in foreign-key order.
  void ExpectFolderLoads(const DataSet& data) {
    const CommandResult result = Run({"load", data.dir});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const ExpectedLoad hires = ExpectHires(data);
    const ExpectedLoad departments = ExpectCatalog(data, "departments");
    const ExpectedLoad jobs = ExpectCatalog(data, "jobs");
    ASSERT_GT(hires.rejected, 0) << data.dir << ": the summary's reject count would prove nothing";
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), departments.inserted) << result.output;
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM jobs"), jobs.inserted) << result.output;
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), hires.inserted) << result.output;
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM rejects"),
              departments.rejected + jobs.rejected + hires.rejected)
        << result.output;
    // The summary names each file in foreign-key order, with its counts.
    const size_t departments_at = result.output.find("departments.csv");
    const size_t jobs_at = result.output.find("jobs.csv");
    const size_t employees_at = result.output.find("hired_employees.csv");
    ASSERT_NE(employees_at, std::string::npos) << result.output;
    EXPECT_LT(departments_at, jobs_at) << result.output;
    EXPECT_LT(jobs_at, employees_at) << result.output;
    EXPECT_NE(result.output.find(std::to_string(hires.rejected), employees_at), std::string::npos) << result.output;
  }

  std::unique_ptr<TestDatabase> database_;
};

TEST_P(CliTest, LoadingTheGeneratedFolderGivesTheIndependentlyCountedRowsAndASummary) {
  ExpectFolderLoads(GeneratedData());
}

TEST_P(CliTest, LoadingTheRealSampleFolderGivesTheIndependentlyCountedRowsAndASummary) {
  const std::optional<DataSet> sample = RealSample();
  if (!sample) GTEST_SKIP() << kNoRealSample;
  ExpectFolderLoads(*sample);
}

TEST_P(CliTest, AFileWithNothingValidOrAMissingPathExitsNonZero) {
  const std::string path = "/tmp/migration-cli-test-departments-" + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream out(path);
    out << "x,Sales\n,Empty id\n";
  }
  const CommandResult rejected = Run({"load", path, "--table", "departments"});
  std::remove(path.c_str());
  EXPECT_NE(rejected.exit_code, 0) << rejected.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), 0);

  const CommandResult missing = Run({"load", "/nonexistent/folder/departments.csv"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("/nonexistent/folder/departments.csv"), std::string::npos) << missing.output;
}

TEST_P(CliTest, AnEmptyFileOrOnlyAHeaderIsAFailedLoadNamedInTheSummary) {
  for (const char* content : {"", "id,department\n"}) {
    const std::string path = "/tmp/migration-cli-test-empty-" + std::to_string(::getpid()) + ".csv";
    {
      std::ofstream out(path, std::ios::binary);
      out << content;
    }
    const CommandResult result = Run({"load", path, "--table", "departments"});
    std::remove(path.c_str());
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("failed"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("no data rows"), std::string::npos) << result.output;
    // Recorded as a failed load, so the attempt shows in the history.
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads WHERE status = 'failed'"), 1) << result.output;
    database_->Execute("DELETE FROM loads");
  }
}

TEST_P(CliTest, ADryRunReportsTheLoadItWouldBeAndWritesNothing) {
  const DataSet data = GeneratedData();
  const ExpectedLoad departments = ExpectCatalog(data, "departments");
  ASSERT_GT(departments.rejected, 0);
  const std::string file = data.dir + "/departments.csv";
  const CommandResult dry = Run({"load", file, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("dry run"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find("partial"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find(std::to_string(departments.inserted)), std::string::npos) << dry.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), 0) << dry.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads WHERE status = 'dry_run'"), 1);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM rejects"), departments.rejected);
  // The real load of the same file inserts what the dry run said it would.
  ASSERT_EQ(Run({"load", file}).exit_code, 0);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), departments.inserted);
}

TEST_P(CliTest, ImportRunsTheJobOfAStoreFolderWithProgressLinesAndASummary) {
  const DataSet data = GeneratedData();
  const ExpectedLoad hires = ExpectHires(data);
  const CommandResult result = Run({"import", "file://" + data.dir + "/", "--storage-url", "file://" + data.dir});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), hires.inserted) << result.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM imports WHERE status = 'succeeded'"), 1);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM import_steps WHERE status = 'partial' AND rows_rejected = " +
                                std::to_string(hires.rejected)),
            1)
      << result.output;
  EXPECT_NE(result.output.find("import 1: succeeded"), std::string::npos) << result.output;
  // Not a terminal: one JSON progress line per second (at least the first) instead of a bar.
  EXPECT_NE(result.output.find(R"("event":"progress")"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(R"("file":"hired_employees")"), std::string::npos) << result.output;

  const CommandResult outside = Run({"import", "file:///etc/", "--storage-url", "file://" + data.dir});
  EXPECT_EQ(outside.exit_code, 2) << outside.output;
  EXPECT_NE(outside.output.find("under file://"), std::string::npos) << outside.output;
}

TEST_P(CliTest, LoadPrintsProgressLinesWhenNotOnATerminal) {
  const DataSet data = GeneratedData();
  const CommandResult result = Run({"load", data.dir + "/departments.csv"});
  EXPECT_NE(result.output.find(R"({"event":"progress","file":"departments.csv")"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(R"("eta_seconds")"), std::string::npos) << result.output;
}

TEST_P(CliTest, DbMigrateCreatesTheSchemaAndIsIdempotent) {
  EXPECT_EQ(Run({"db", "migrate"}).exit_code, 0);
  const CommandResult again = Run({"db", "migrate"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CliTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) { return BackendName(param.param); });

TEST(CliHelpTest, EveryCommandExplainsItself) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"serve", "--help"},
                                                                {"load", "--help"},
                                                                {"import", "--help"},
                                                                {"db", "--help"},
                                                                {"db", "migrate", "--help"}}) {
    const CommandResult result = RunMigrationApi(args);
    EXPECT_EQ(result.exit_code, 0) << args.front();
    EXPECT_NE(result.output.find("Usage"), std::string::npos) << result.output;
  }
  const CommandResult serve = RunMigrationApi({"serve", "--help"});
  EXPECT_NE(serve.output.find("DATABASE_URL"), std::string::npos) << serve.output;
  const CommandResult wrong = RunMigrationApi({"load"});
  EXPECT_NE(wrong.exit_code, 0);
}

}  // namespace
}  // namespace migration::testing
