// The reports over real HTTP, on both backends, checked against answers computed here from the
// rows themselves (the challenge files — generated, and the real sample when present — or every
// row read back through the API).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/challenge_data.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using QuarterCounts = std::array<long long, 4>;
// (department name, job name) -> Q1..Q4; std::map orders by bytes, as the report must.
using ExpectedByQuarter = std::map<std::pair<std::string, std::string>, QuarterCounts>;

nlohmann::json ByQuarterJson(int year, const ExpectedByQuarter& expected) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [names, q] : expected) {
    rows.push_back(
        {{"department", names.first}, {"job", names.second}, {"Q1", q[0]}, {"Q2", q[1]}, {"Q3", q[2]}, {"Q4", q[3]}});
  }
  return {{"year", year}, {"rows", rows}};
}

// hired per department id, over every department id in `department_names`.
nlohmann::json AboveMeanJson(int year, const std::map<int, std::string>& department_names,
                             const std::map<int, long long>& hired) {
  long long total = 0;
  for (const auto& [id, n] : hired) total += n;
  const double mean = department_names.empty() ? 0.0 : static_cast<double>(total) / department_names.size();
  std::vector<std::pair<long long, int>> above;  // (-hired, id) sorts hired desc, id asc
  for (const auto& [id, name] : department_names) {
    const auto it = hired.find(id);
    const long long n = it == hired.end() ? 0 : it->second;
    if (static_cast<double>(n) > mean) above.emplace_back(-n, id);
  }
  std::sort(above.begin(), above.end());
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [neg, id] : above)
    rows.push_back({{"id", id}, {"department", department_names.at(id)}, {"hired", -neg}});
  return {{"year", year}, {"mean", mean}, {"rows", rows}};
}

class ReportsTest : public ApiTest {
 protected:
  nlohmann::json Report(const std::string& name, const std::string& query = "") {
    const HttpResponse response = Get(Url("/v1/reports/" + name + query));
    EXPECT_EQ(response.status, 200) << response.body;
    return response.Json();
  }

  std::vector<nlohmann::json> AllRows(const std::string& table) {
    std::vector<nlohmann::json> all;
    std::string query = "?limit=1000";
    while (true) {
      const nlohmann::json page = Get(Url("/v1/" + table + query)).Json();
      for (const auto& item : page["items"]) all.push_back(item);
      if (page["next"].is_null()) return all;
      query = "?limit=1000&after=" + page["next"].dump();
    }
  }

  // Both reports of 2021 (the default year) after loading `data`, computed from its files.
  void ExpectReportsMatchTheFiles(const DataSet& data) {
    for (const std::string table : {"departments", "jobs", "hired_employees"}) {
      const HttpResponse upload = PostFile(Url("/v1/" + table + "/upload"), data.File(table));
      ASSERT_LT(upload.status, 300) << upload.body;
    }
    const auto department_names = CatalogNames(data, "departments");
    const auto job_names = CatalogNames(data, "jobs");
    ExpectedByQuarter by_quarter;
    std::map<int, long long> hired;
    for (const Hire& hire : ValidHires(data)) {
      if (hire.utc_year != 2021) continue;
      ++by_quarter[{department_names.at(hire.department_id), job_names.at(hire.job_id)}][hire.utc_quarter - 1];
      ++hired[static_cast<int>(hire.department_id)];
    }
    std::map<int, std::string> departments;
    for (const auto& [id, name] : department_names) departments[static_cast<int>(id)] = name;
    ASSERT_FALSE(by_quarter.empty()) << data.dir;

    EXPECT_EQ(Report("hires-by-quarter"), ByQuarterJson(2021, by_quarter)) << data.name;  // year defaults to 2021
    EXPECT_EQ(Report("departments-above-mean", "?year=2021"), AboveMeanJson(2021, departments, hired)) << data.name;
  }

  // Both reports for `year`, recomputed from every row the API returns (datetimes come back in UTC).
  void ExpectReportsMatchTheRows(int year) {
    std::map<int, std::string> departments;
    for (const auto& row : AllRows("departments")) departments[row["id"]] = row["department"];
    std::map<int, std::string> jobs;
    for (const auto& row : AllRows("jobs")) jobs[row["id"]] = row["job"];
    ExpectedByQuarter by_quarter;
    std::map<int, long long> hired;
    for (const auto& hire : AllRows("hired_employees")) {
      const std::string datetime = hire["datetime"];
      ASSERT_EQ(datetime.back(), 'Z');
      if (std::stoi(datetime.substr(0, 4)) != year) continue;
      const int quarter = (std::stoi(datetime.substr(5, 2)) - 1) / 3;
      ++by_quarter[{departments.at(hire["department_id"]), jobs.at(hire["job_id"])}][quarter];
      ++hired[hire["department_id"]];
    }
    const std::string query = "?year=" + std::to_string(year);
    EXPECT_EQ(Report("hires-by-quarter", query), ByQuarterJson(year, by_quarter)) << "year " << year;
    EXPECT_EQ(Report("departments-above-mean", query), AboveMeanJson(year, departments, hired)) << "year " << year;
  }
};

TEST_P(ReportsTest, GeneratedFilesMatchAnIndependentComputationFromTheFiles) {
  const std::vector<Hire> hires = ValidHires(GeneratedData());
  // The fixtures hold hires whose offset moves them to another quarter or year in UTC.
  ASSERT_TRUE(std::any_of(hires.begin(), hires.end(), [](const Hire& hire) { return hire.offset_moves_quarter; }));
  ExpectReportsMatchTheFiles(GeneratedData());
}

TEST_P(ReportsTest, RealSampleMatchesAnIndependentComputationFromTheFiles) {
  const std::optional<DataSet> sample = RealSample();
  if (!sample) GTEST_SKIP() << kNoRealSample;
  ExpectReportsMatchTheFiles(*sample);
}

TEST_P(ReportsTest, EmptyYearTiesAndDepartmentsWithoutHires) {
  ASSERT_EQ(UploadCsv("departments", "1,Sales\n2,Research\n3,Legal\n4,Idle\n").status, 201);
  ASSERT_EQ(UploadCsv("jobs", "1,Engineer\n2,Analyst\n").status, 201);
  // Sales 2, Research 2 (a tie), Legal 0, Idle 0: mean = 4 / 4 = 1.
  ASSERT_EQ(UploadCsv("hired_employees",
                      "1,A,2021-01-05T00:00:00Z,2,1\n2,B,2021-05-05T00:00:00Z,1,1\n"
                      "3,C,2021-08-05T00:00:00Z,2,2\n4,D,2021-11-05T00:00:00Z,1,2\n")
                .status,
            201);
  const nlohmann::json above = Report("departments-above-mean", "?year=2021");
  EXPECT_EQ(above["mean"], 1.0);
  EXPECT_EQ(above["rows"], nlohmann::json::parse(R"([{"id":1,"department":"Sales","hired":2},
                                                     {"id":2,"department":"Research","hired":2}])"));
  const nlohmann::json empty = Report("departments-above-mean", "?year=1999");
  EXPECT_EQ(empty["mean"], 0.0);
  EXPECT_TRUE(empty["rows"].empty());
  EXPECT_TRUE(Report("hires-by-quarter", "?year=1999")["rows"].empty());
  ExpectReportsMatchTheRows(2021);
}

TEST_P(ReportsTest, QuartersAndYearsAreTakenInUtc) {
  SeedCatalog();
  ASSERT_EQ(PostJson("hired_employees", R"([
    {"id": 1, "name": "Q2 in UTC", "datetime": "2021-03-31T23:30:00-01:00", "department_id": 1, "job_id": 1},
    {"id": 2, "name": "2021 Q4 in UTC", "datetime": "2022-01-01T00:30:00+01:00", "department_id": 1, "job_id": 1},
    {"id": 3, "name": "2021 Q1 in UTC", "datetime": "2020-12-31T23:30:00-01:00", "department_id": 1, "job_id": 1}
  ])")
                .status,
            201);
  const nlohmann::json report = Report("hires-by-quarter", "?year=2021");
  ASSERT_EQ(report["rows"].size(), 1u);
  EXPECT_EQ(report["rows"][0]["Q1"], 1);
  EXPECT_EQ(report["rows"][0]["Q2"], 1);
  EXPECT_EQ(report["rows"][0]["Q4"], 1);
  EXPECT_TRUE(Report("hires-by-quarter", "?year=2022")["rows"].empty());
}

TEST_P(ReportsTest, UpdatesMoveHiresBetweenDepartmentsAndQuarters) {
  SeedCatalog();
  ASSERT_EQ(UploadCsv("hired_employees", "1,A,2021-01-05T00:00:00Z,1,1\n2,B,2021-02-05T00:00:00Z,1,1\n").status, 201);
  ASSERT_EQ(UploadCsv("hired_employees", "1,A,2021-07-05T00:00:00Z,3,2\n2,B,2020-02-05T00:00:00Z,1,1\n",
                      "?on_conflict=update")
                .status,
            200);
  ExpectReportsMatchTheRows(2021);
  ExpectReportsMatchTheRows(2020);
  const nlohmann::json report = Report("hires-by-quarter", "?year=2021");
  ASSERT_EQ(report["rows"].size(), 1u);
  EXPECT_EQ(report["rows"][0]["department"], "Legal");
  EXPECT_EQ(report["rows"][0]["Q3"], 1);
}

TEST_P(ReportsTest, CsvIsQuotedAndChosenByFormatOrAccept) {
  ASSERT_EQ(
      PostJson("departments", R"([{"id": 1, "department": "Sales, \"North\""}, {"id": 2, "department": "Ventes Île"}])")
          .status,
      201);
  ASSERT_EQ(PostJson("jobs", R"([{"id": 1, "job": "Engineer\nSenior"}])").status, 201);
  ASSERT_EQ(UploadCsv("hired_employees", "1,A,2021-01-05T00:00:00Z,1,1\n2,B,2021-01-06T00:00:00Z,2,1\n").status, 201);
  const HttpResponse csv = Get(Url("/v1/reports/hires-by-quarter?format=csv"));
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type").rfind("text/csv", 0), 0u);
  EXPECT_EQ(csv.body,
            "department,job,Q1,Q2,Q3,Q4\r\n\"Sales, \"\"North\"\"\",\"Engineer\nSenior\",1,0,0,0\r\n"
            "Ventes \xC3\x8Ele,\"Engineer\nSenior\",1,0,0,0\r\n");
  const HttpResponse accepted = Request("GET", Url("/v1/reports/departments-above-mean"), "", {"Accept: text/csv"});
  EXPECT_EQ(accepted.body, "id,department,hired\r\n");  // 1 hire each: nobody above the mean of 1
}

TEST_P(ReportsTest, YearMustBeAnIntegerFrom1900To2100) {
  for (const std::string year : {"abc", "1899", "2101", "-5", "20.21", ""}) {
    const HttpResponse response = Get(Url("/v1/reports/hires-by-quarter?year=" + year));
    EXPECT_EQ(response.status, 400) << year;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json");
  }
  EXPECT_EQ(Get(Url("/v1/reports/departments-above-mean?year=1900")).status, 200);
}

TEST_P(ReportsTest, CountsStayExactThroughARandomSequenceOfLoads) {
  std::mt19937 random(20211);  // fixed seed: a failure replays
  std::string departments;
  for (int id = 1; id <= 6; ++id) departments += std::to_string(id) + ",Dept " + std::to_string(id) + "\n";
  ASSERT_EQ(UploadCsv("departments", departments).status, 201);
  ASSERT_EQ(UploadCsv("jobs", "1,J1\n2,J2\n3,J3\n").status, 201);
  const auto random_hire = [&](int id) {
    const int year = 2020 + static_cast<int>(random() % 3);
    const int month = 1 + static_cast<int>(random() % 12);
    const int dept = 1 + static_cast<int>(random() % 7);  // 7: unknown, rejected
    const int job = 1 + static_cast<int>(random() % 3);
    char datetime[32];
    std::snprintf(datetime, sizeof datetime, "%04d-%02d-28T23:30:00%s", year, month, random() % 2 ? "Z" : "-01:00");
    return std::to_string(id) + ",Person " + std::to_string(id) + "," + datetime + "," + std::to_string(dept) + "," +
           std::to_string(job) + "\n";
  };
  for (int step = 0; step < 30; ++step) {
    std::string csv;
    const int rows = 1 + static_cast<int>(random() % 40);
    for (int i = 0; i < rows; ++i) csv += random_hire(1 + static_cast<int>(random() % 120));
    const char* modes[] = {"reject", "update", "skip"};
    const std::string mode = modes[random() % 3];
    if (random() % 2) {
      UploadCsv("hired_employees", csv, "?on_conflict=" + mode);
    } else {
      Post(Url("/v1/hired_employees?on_conflict=" + mode + (random() % 4 == 0 ? "&atomic=true" : "")), csv, "text/csv");
    }
  }
  for (const int year : {2020, 2021, 2022}) ExpectReportsMatchTheRows(year);
}

TEST_P(ReportsTest, FoldingRecordedChangesIntoTheCountsNeverChangesAReport) {
  SeedCatalog();
  ASSERT_EQ(UploadCsv("hired_employees", "1,A,2021-01-05T00:00:00Z,1,1\n2,B,2021-05-05T00:00:00Z,2,1\n").status, 201);
  const nlohmann::json before = Report("hires-by-quarter");
  if (GetParam() == Backend::kPostgres) {
    // The server folds hire_count_deltas into hire_counts every second.
    WaitUntil([&] { return database_->QueryInt("SELECT count(*) FROM hire_count_deltas") == 0; },
              std::chrono::seconds(5), std::chrono::milliseconds(50));
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hire_count_deltas"), 0) << server_->Log();
  }
  EXPECT_EQ(database_->QueryInt("SELECT sum(q1 + q2 + q3 + q4) FROM hire_counts"), 2);
  EXPECT_EQ(Report("hires-by-quarter"), before);
  ExpectReportsMatchTheRows(2021);
}

MIGRATION_ON_BOTH_BACKENDS(ReportsTest);

// Both backends loaded with `data` answer every report byte for byte the same.
void ExpectBackendsAnswerTheSame(const DataSet& data) {
  TestDatabase sqlite(Backend::kSqlite);
  TestDatabase postgres(Backend::kPostgres);
  ServerProcess on_sqlite(sqlite.url());
  ServerProcess on_postgres(postgres.url());
  for (ServerProcess* server : {&on_sqlite, &on_postgres}) {
    for (const std::string table : {"departments", "jobs", "hired_employees"}) {
      const HttpResponse upload = PostFile(server->Url("/v1/" + table + "/upload"), data.File(table));
      ASSERT_LT(upload.status, 300) << upload.body;
    }
  }
  for (const std::string path :
       {"/v1/reports/hires-by-quarter", "/v1/reports/departments-above-mean",
        "/v1/reports/hires-by-quarter?format=csv&year=2021", "/v1/reports/departments-above-mean?format=csv",
        "/v1/reports/hires-by-quarter?year=2020", "/v1/reports/hires-by-quarter?year=2022&format=csv"}) {
    const HttpResponse sqlite_answer = Get(on_sqlite.Url(path));
    ASSERT_EQ(sqlite_answer.status, 200) << path << ": " << sqlite_answer.body;
    EXPECT_EQ(sqlite_answer.body, Get(on_postgres.Url(path)).body) << data.name << " " << path;
  }
}

TEST(ReportsAcrossBackendsTest, SqliteAndPostgresqlAnswerByteForByteTheSameOnTheGeneratedFiles) {
  ExpectBackendsAnswerTheSame(GeneratedData());
}

TEST(ReportsAcrossBackendsTest, SqliteAndPostgresqlAnswerByteForByteTheSameOnTheRealSample) {
  const std::optional<DataSet> sample = RealSample();
  if (!sample) GTEST_SKIP() << kNoRealSample;
  ExpectBackendsAnswerTheSame(*sample);
}

}  // namespace
}  // namespace migration::testing

namespace migration::testing {
namespace {

// Hires of 2021 in the hires-by-quarter report as `server` answers it.
long long ReportedHires(const ServerProcess& server) {
  const nlohmann::json rows = Get(server.Url("/v1/reports/hires-by-quarter?year=2021")).Json()["rows"];
  long long total = 0;
  for (const auto& row : rows)
    total += row["Q1"].get<long long>() + row["Q2"].get<long long>() + row["Q3"].get<long long>() +
             row["Q4"].get<long long>();
  return total;
}

// Two replicas on one PostgreSQL database: a load through one shows at once in its own reports,
// and in the other's within REPORT_REFRESH_MS (immediately with 0), though both cache reports.
TEST(ReportsAcrossReplicasTest, ALoadShowsAtOnceOnItsReplicaAndWithinTheRefreshBoundOnOthers) {
  const TestDatabase database(Backend::kPostgres);
  ServerProcess writer(database.url(), {"--report-refresh-ms", "60000"});
  ServerProcess lagging(database.url(), {"--report-refresh-ms", "300"});
  ServerProcess exact(database.url(), {"--report-refresh-ms", "0"});
  ASSERT_EQ(Post(writer.Url("/v1/departments/upload"), "1,Sales\n", "text/csv").status, 201);
  ASSERT_EQ(Post(writer.Url("/v1/jobs/upload"), "1,Engineer\n", "text/csv").status, 201);
  for (ServerProcess* server : {&writer, &lagging, &exact}) ASSERT_EQ(ReportedHires(*server), 0);

  ASSERT_EQ(Post(writer.Url("/v1/hired_employees"),
                 R"([{"id": 1, "name": "Ann", "datetime": "2021-02-03T04:05:06Z", "department_id": 1, "job_id": 1}])",
                 "application/json")
                .status,
            201);
  EXPECT_EQ(ReportedHires(writer), 1);  // its own load, though its refresh bound is a minute
  EXPECT_EQ(ReportedHires(exact), 1);
  const auto committed = std::chrono::steady_clock::now();
  long long lagging_hires = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        lagging_hires = ReportedHires(lagging);
        return lagging_hires == 1;
      },
      std::chrono::seconds(5)))
      << "never caught up: the lagging replica still reports " << lagging_hires << " hires";
  // The bound plus room for a busy CI machine's scheduling and the 20 ms polling.
  EXPECT_LE(std::chrono::steady_clock::now() - committed, std::chrono::milliseconds(300 + 700));
}

}  // namespace
}  // namespace migration::testing
