// An import job as GET /v1/imports/{id} renders it (src/api/import_json.hpp): the running step's
// rows/s and seconds left from its progress so far, none before it has any or once it ended, and
// the job's totals over its steps.

#include "api/import_json.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/time.hpp"
#include "storage/file_object_store.hpp"

namespace migration::api {
namespace {

db::ImportStep Step(int position, core::Table table, const std::string& status) {
  db::ImportStep step;
  step.position = position;
  step.table = table;
  step.key = std::string("in/") + std::string(core::TableName(table)) + ".csv";
  step.status = status;
  return step;
}

class ImportJsonTest : public ::testing::Test {
 protected:
  std::filesystem::path root_ = std::filesystem::path(::testing::TempDir()) / "import-json-test";
  storage::FileObjectStore store_{root_};
};

TEST_F(ImportJsonTest, ARunningStepHasItsRateAndTheTimeLeftAtThatRate) {
  db::ImportRecord import;
  import.id = 7;
  import.status = db::ImportStatus::kRunning;
  db::ImportStep done = Step(0, core::Table::kDepartments, "succeeded");
  done.bytes_total = done.bytes_read = 100;
  done.counts.received = done.counts.inserted = 10;
  done.started_us = core::NowMicros() - 60'000'000;
  done.finished_us = core::NowMicros() - 50'000'000;
  // 20 s in, a quarter of 4 MB read and 50,000 rows: 2,500 rows/s and 60 s left at 50 kB/s.
  db::ImportStep running = Step(1, core::Table::kHiredEmployees, "running");
  running.bytes_total = 4'000'000;
  running.bytes_read = 1'000'000;
  running.counts.received = 50'000;
  running.counts.inserted = 49'000;
  running.counts.rejected = 1'000;
  running.started_us = core::NowMicros() - 20'000'000;
  db::ImportStep waiting = Step(2, core::Table::kJobs, "queued");
  waiting.bytes_total = 30;
  import.steps = {done, running, waiting};

  const nlohmann::json out = ImportJson(import, store_);
  EXPECT_EQ(out["status"], "running");
  const nlohmann::json& step = out["steps"][1];
  EXPECT_NEAR(step["rows_per_second"].get<double>(), 2500, 5);
  EXPECT_NEAR(step["eta_seconds"].get<double>(), 60, 1);
  for (const int position : {0, 2}) {
    EXPECT_TRUE(out["steps"][position]["rows_per_second"].is_null()) << position;
    EXPECT_TRUE(out["steps"][position]["eta_seconds"].is_null()) << position;
  }
  EXPECT_EQ(out["bytes_total"], 4'000'130u);
  EXPECT_EQ(out["bytes_read"], 1'000'100u);
  EXPECT_EQ(out["rows_received"], 50'010u);
  EXPECT_EQ(out["rows_inserted"], 49'010u);
  EXPECT_EQ(out["rows_rejected"], 1'000u);
  EXPECT_EQ(step["source"], store_.Location("in/hired_employees.csv"));
}

TEST_F(ImportJsonTest, AStepThatHasReadNothingYetHasNoRate) {
  db::ImportRecord import;
  import.status = db::ImportStatus::kRunning;
  db::ImportStep running = Step(0, core::Table::kJobs, "running");
  running.bytes_total = 10;
  running.started_us = core::NowMicros() - 5'000'000;
  import.steps = {running};
  const nlohmann::json out = ImportJson(import, store_);
  EXPECT_TRUE(out["steps"][0]["rows_per_second"].is_null());
  EXPECT_TRUE(out["steps"][0]["eta_seconds"].is_null());
}

}  // namespace
}  // namespace migration::api
