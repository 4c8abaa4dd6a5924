// Re-running a migration: uploading a file again whose ids already exist — the most common thing an
// operator does after fixing a load — with files that cross the load's flush size (20,000 rows, or
// 8 MiB queued) several times, with invalid rows and in-file duplicates, on both backends; and two
// replicas on one PostgreSQL database loading overlapping files and batches at once.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A re-run must answer in seconds; before the fix it never answered at all.
constexpr auto kAnswerWithin = std::chrono::seconds(90);

// Every value of a hire is a function of its id, so whichever copy of a row lands, the table and
// the reports are known from the set of ids alone.
int DepartmentOf(int id) { return id % 3 + 1; }
int JobOf(int id) { return (id / 3) % 3 + 1; }
int MonthOf(int id) { return id % 12 + 1; }

std::string HireLine(int id, const std::string& name_suffix) {
  return std::to_string(id) + ",Person " + std::to_string(id) + name_suffix + ",2021-" + (MonthOf(id) < 10 ? "0" : "") +
         std::to_string(MonthOf(id)) + "-15T10:00:00Z," + std::to_string(DepartmentOf(id)) + "," +
         std::to_string(JobOf(id)) + "\n";
}

// ids first..last; every 97th line has an empty name (a reject) and every 1000th id is sent twice
// in a row (an in-file duplicate). The counts are worked out here, line by line.
struct HireFile {
  std::string csv;
  long long lines = 0;
  long long invalid = 0;
  long long repeats = 0;  // valid lines whose id came earlier in the file
  std::set<int> valid_ids;
};

HireFile MakeHires(int first, int last, const std::string& name_suffix) {
  HireFile file;
  for (int id = first; id <= last; ++id) {
    const int copies = id % 1000 == 0 ? 2 : 1;
    for (int copy = 0; copy < copies; ++copy) {
      ++file.lines;
      if (file.lines % 97 == 0) {
        file.csv += std::to_string(id) + ",,2021-01-01T00:00:00Z,1,1\n";
        ++file.invalid;
        continue;
      }
      file.csv += HireLine(id, name_suffix);
      if (!file.valid_ids.insert(id).second) ++file.repeats;
    }
  }
  return file;
}

class RerunTest : public ApiTest {
 protected:
  nlohmann::json Upload(const std::string& csv, const std::string& query, long expected_status) {
    const auto started = Clock::now();
    const HttpResponse response = UploadCsv("hired_employees", csv, query);
    EXPECT_LT(Clock::now() - started, kAnswerWithin) << "the upload took too long to answer";
    EXPECT_EQ(response.status, expected_status) << response.body.substr(0, 2000);
    return response.Json();
  }
};

constexpr int kRows = 60000;  // three flushes of 20,000

TEST_P(RerunTest, ReuploadWithRejectAnswersAndRejectsEveryRow) {
  SeedCatalog();
  const HireFile file = MakeHires(1, kRows, "");
  const nlohmann::json first = Upload(file.csv, "", 200);
  EXPECT_EQ(first["rows_received"], file.lines);
  EXPECT_EQ(first["rows_inserted"], static_cast<long long>(file.valid_ids.size()));
  EXPECT_EQ(first["rows_rejected"], file.invalid + file.repeats);

  const nlohmann::json again = Upload(file.csv, "", 422);  // nothing valid: every id exists
  EXPECT_EQ(again["rows_received"], file.lines);
  EXPECT_EQ(again["rows_inserted"], 0);
  EXPECT_EQ(again["rows_rejected"], file.lines);
  EXPECT_EQ(again["status"], 422);  // a problem body: its status is the HTTP status
  EXPECT_EQ(CountRows("hired_employees"), static_cast<long long>(file.valid_ids.size()));
  const long long load_id = again["load_id"].get<long long>();
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM rejects WHERE load_id = " + std::to_string(load_id)), file.lines);
  // Each line is rejected once, in input order.
  EXPECT_EQ(
      database_->QueryInt("SELECT count(DISTINCT position) FROM rejects WHERE load_id = " + std::to_string(load_id)),
      file.lines);
}

TEST_P(RerunTest, ReuploadWithSkipSkipsEveryExistingId) {
  SeedCatalog();
  const HireFile file = MakeHires(1, kRows, "");
  Upload(file.csv, "", 200);
  const nlohmann::json again = Upload(file.csv, "?on_conflict=skip", 200);
  EXPECT_EQ(again["rows_received"], file.lines);
  EXPECT_EQ(again["rows_inserted"], 0);
  EXPECT_EQ(again["rows_skipped"], static_cast<long long>(file.valid_ids.size()) + file.repeats);
  EXPECT_EQ(again["rows_rejected"], file.invalid);
  EXPECT_EQ(CountRows("hired_employees"), static_cast<long long>(file.valid_ids.size()));
}

TEST_P(RerunTest, ReuploadWithUpdateOverwritesEveryRow) {
  SeedCatalog();
  const HireFile file = MakeHires(1, kRows, "");
  Upload(file.csv, "", 200);
  const HireFile fixed = MakeHires(1, kRows, " v2");
  const nlohmann::json again = Upload(fixed.csv, "?on_conflict=update", 200);
  EXPECT_EQ(again["rows_received"], fixed.lines);
  EXPECT_EQ(again["rows_inserted"], 0);
  EXPECT_EQ(again["rows_updated"], static_cast<long long>(fixed.valid_ids.size()) + fixed.repeats);
  EXPECT_EQ(again["rows_rejected"], fixed.invalid);
  EXPECT_EQ(CountRows("hired_employees"), static_cast<long long>(file.valid_ids.size()));
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees WHERE name LIKE '% v2'"),
            static_cast<long long>(fixed.valid_ids.size()));
}

TEST_P(RerunTest, OverlappingReuploadInsertsOnlyTheNewIds) {
  SeedCatalog();
  const HireFile first = MakeHires(1, 30000, "");
  Upload(first.csv, "", 200);
  const HireFile second = MakeHires(20001, 70000, "");
  std::set<int> new_ids;
  for (const int id : second.valid_ids) {
    if (!first.valid_ids.count(id)) new_ids.insert(id);
  }
  const nlohmann::json again = Upload(second.csv, "", 200);
  EXPECT_EQ(again["rows_inserted"], static_cast<long long>(new_ids.size()));
  EXPECT_EQ(again["rows_rejected"], second.lines - static_cast<long long>(new_ids.size()));
  EXPECT_EQ(CountRows("hired_employees"), static_cast<long long>(first.valid_ids.size() + new_ids.size()));
}

MIGRATION_ON_BOTH_BACKENDS(RerunTest);

// Two replicas of the service on one PostgreSQL database, as the ECS service runs them: overlapping
// uploads and batches through both at once. Every id lands once, every other copy is a reject, and
// both replicas' reports equal a recount of the ids that landed.
class TwoReplicasTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      if (a_) std::cerr << "--- replica A log ---\n" << a_->Log().substr(0, 20000) << "\n";
      if (b_) std::cerr << "--- replica B log ---\n" << b_->Log().substr(0, 20000) << "\n";
    }
  }
  TestDatabase database_{Backend::kPostgres};
  std::unique_ptr<ServerProcess> a_;
  std::unique_ptr<ServerProcess> b_;
};

nlohmann::json BatchJson(int first, int last) {
  nlohmann::json rows = nlohmann::json::array();
  for (int id = first; id <= last; ++id) {
    rows.push_back({{"id", id},
                    {"name", "Person " + std::to_string(id)},
                    {"datetime", "2021-" + std::string(MonthOf(id) < 10 ? "0" : "") + std::to_string(MonthOf(id)) +
                                     "-15T10:00:00Z"},
                    {"department_id", DepartmentOf(id)},
                    {"job_id", JobOf(id)}});
  }
  return rows;
}

TEST_F(TwoReplicasTest, OverlappingLoadsThroughTwoReplicasLandEachIdOnce) {
  a_ = std::make_unique<ServerProcess>(database_.url());
  b_ = std::make_unique<ServerProcess>(database_.url());
  ASSERT_EQ(Post(a_->Url("/v1/departments/upload"), "1,Sales\n2,Research\n3,Legal\n", "text/csv").status, 201);
  ASSERT_EQ(Post(b_->Url("/v1/jobs/upload"), "1,Engineer\n2,Analyst\n3,Manager\n", "text/csv").status, 201);

  const HireFile file_a = MakeHires(1, 40000, "");
  const HireFile file_b = MakeHires(20001, 60000, "");
  struct Outcome {
    long status = 0;
    long long received = 0, inserted = 0, rejected = 0;
  };
  std::vector<Outcome> outcomes(4 + 2 * 10);
  auto record = [](Outcome& out, const HttpResponse& response) {
    out.status = response.status;
    if (response.status == 0) return;
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("rows_received")) return;
    out.received = body["rows_received"].get<long long>();
    out.inserted = body["rows_inserted"].get<long long>();
    out.rejected = body["rows_rejected"].get<long long>();
  };
  const auto started = Clock::now();
  std::vector<std::thread> clients;
  clients.emplace_back(
      [&] { record(outcomes[0], Post(a_->Url("/v1/hired_employees/upload"), file_a.csv, "text/csv")); });
  clients.emplace_back(
      [&] { record(outcomes[1], Post(b_->Url("/v1/hired_employees/upload"), file_b.csv, "text/csv")); });
  clients.emplace_back(
      [&] { record(outcomes[2], Post(b_->Url("/v1/hired_employees/upload"), file_a.csv, "text/csv")); });
  clients.emplace_back(
      [&] { record(outcomes[3], Post(a_->Url("/v1/hired_employees/upload"), file_b.csv, "text/csv")); });
  // Batches of 1000 over ids 55,001..65,000 through both replicas: half overlap the files, every
  // batch is sent to both.
  for (int i = 0; i < 10; ++i) {
    const int first = 55001 + i * 1000;
    const std::string body = BatchJson(first, first + 999).dump();
    clients.emplace_back(
        [&, i, body] { record(outcomes[4 + 2 * i], Post(a_->Url("/v1/hired_employees"), body, "application/json")); });
    clients.emplace_back(
        [&, i, body] { record(outcomes[5 + 2 * i], Post(b_->Url("/v1/hired_employees"), body, "application/json")); });
  }
  for (auto& client : clients) client.join();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(180));

  std::set<int> sent;
  for (const auto* file : {&file_a, &file_b}) sent.insert(file->valid_ids.begin(), file->valid_ids.end());
  for (int id = 55001; id <= 65000; ++id) sent.insert(id);
  long long received = 0, inserted = 0, rejected = 0;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    EXPECT_TRUE(o.status == 200 || o.status == 201 || o.status == 422) << "request " << i << " answered " << o.status;
    received += o.received;
    inserted += o.inserted;
    rejected += o.rejected;
  }
  EXPECT_EQ(received, 2 * (file_a.lines + file_b.lines) + 2 * 10000);
  EXPECT_EQ(inserted, static_cast<long long>(sent.size()));
  EXPECT_EQ(inserted + rejected, received);
  EXPECT_EQ(database_.QueryInt("SELECT count(*) FROM hired_employees"), static_cast<long long>(sent.size()));
  EXPECT_EQ(database_.QueryInt("SELECT count(*) FROM rejects"), rejected);

  // The recount: hires per (department, job) and quarter of the ids that landed.
  const std::map<int, std::string> departments = {{1, "Sales"}, {2, "Research"}, {3, "Legal"}};
  const std::map<int, std::string> jobs = {{1, "Engineer"}, {2, "Analyst"}, {3, "Manager"}};
  std::map<std::pair<std::string, std::string>, std::array<long long, 4>> counts;
  for (const int id : sent) counts[{departments.at(DepartmentOf(id)), jobs.at(JobOf(id))}][(MonthOf(id) - 1) / 3]++;
  nlohmann::json expected_rows = nlohmann::json::array();
  for (const auto& [key, q] : counts) {
    expected_rows.push_back(
        {{"department", key.first}, {"job", key.second}, {"Q1", q[0]}, {"Q2", q[1]}, {"Q3", q[2]}, {"Q4", q[3]}});
  }
  for (const auto* replica : {a_.get(), b_.get()}) {
    // A replica sees the other's loads within REPORT_REFRESH_MS (100 ms by default).
    nlohmann::json rows;
    HttpResponse report;
    WaitUntil(
        [&] {
          report = Get(replica->Url("/v1/reports/hires-by-quarter?year=2021"));
          if (report.status != 200) return true;  // failed below
          rows = report.Json()["rows"];
          return rows == expected_rows;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(100));
    ASSERT_EQ(report.status, 200) << report.body;
    EXPECT_EQ(rows, expected_rows) << "replica on port " << replica->port();
  }
}

}  // namespace
}  // namespace migration::testing
