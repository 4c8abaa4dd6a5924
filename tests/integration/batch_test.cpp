// POST /v1/{table}: batches of 1..1000 rows as JSON or CSV, over real HTTP, on both backends.

#include <gtest/gtest.h>

#include <string>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class BatchTest : public ApiTest {
 protected:
  static std::string Hires(int first_id, int count) {
    nlohmann::json rows = nlohmann::json::array();
    for (int id = first_id; id < first_id + count; ++id) {
      rows.push_back({{"id", id},
                      {"name", "Person " + std::to_string(id)},
                      {"datetime", "2021-03-04T05:06:07Z"},
                      {"department_id", 1 + id % 3},
                      {"job_id", 1 + id % 2}});
    }
    return rows.dump();
  }
};

TEST_P(BatchTest, ThousandRowsAreAcceptedAndReadBackInKeysetPages) {
  SeedCatalog();
  const HttpResponse response = PostJson("hired_employees", Hires(1, 1000));
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.Json()["rows_inserted"], 1000);
  EXPECT_EQ(CountRows("hired_employees"), 1000);

  long long seen = 0;
  std::string query = "?limit=300";
  long long last_id = 0;
  while (true) {
    const nlohmann::json page = Get(Url("/v1/hired_employees" + query)).Json();
    for (const auto& item : page["items"]) {
      EXPECT_GT(item["id"].get<long long>(), last_id);
      last_id = item["id"].get<long long>();
      ++seen;
    }
    if (page["next"].is_null()) break;
    query = "?limit=300&after=" + page["next"].dump();
  }
  EXPECT_EQ(seen, 1000);
  const nlohmann::json one = Get(Url("/v1/hired_employees/7")).Json();
  EXPECT_EQ(one["name"], "Person 7");
  EXPECT_EQ(one["datetime"], "2021-03-04T05:06:07Z");
  EXPECT_EQ(Get(Url("/v1/hired_employees/5000")).status, 404);
}

TEST_P(BatchTest, OneThousandAndOneRowsAre413AndNothingIsWritten) {
  SeedCatalog();
  const HttpResponse response = PostJson("hired_employees", Hires(1, 1001));
  EXPECT_EQ(response.status, 413) << response.body;
  EXPECT_EQ(response.Header("content-type"), "application/problem+json");
  EXPECT_EQ(CountRows("hired_employees"), 0);
}

TEST_P(BatchTest, EmptyBatchIs422) {
  EXPECT_EQ(PostJson("departments", "[]").status, 422);
  EXPECT_EQ(PostJson("departments", "{\"rows\":[]}").status, 422);
}

TEST_P(BatchTest, MalformedJsonIs400WithThePosition) {
  const HttpResponse response = PostJson("departments", "[{\"id\": 1, \"department\": \"Sales\"},, ]");
  EXPECT_EQ(response.status, 400) << response.body;
  const std::string detail = response.Json()["detail"].get<std::string>();
  EXPECT_NE(detail.find("column 35"), std::string::npos) << detail;
  EXPECT_EQ(CountRows("departments"), 0);
}

TEST_P(BatchTest, WrongContentTypeIs415AndUnknownTableIs404) {
  const HttpResponse wrong = Post(Url("/v1/departments"), "<rows/>", "application/xml");
  EXPECT_EQ(wrong.status, 415) << wrong.body;
  EXPECT_EQ(wrong.Header("content-type"), "application/problem+json");
  const HttpResponse unknown = PostJson("salaries", "[{\"id\":1}]");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_P(BatchTest, AtomicBatchWithOneBadRowInsertsNothingAndListsTheError) {
  SeedCatalog();
  nlohmann::json rows = nlohmann::json::parse(Hires(1, 5));
  rows[3]["datetime"] = "yesterday";
  const HttpResponse response = PostJson("hired_employees", rows.dump(), "?atomic=true");
  EXPECT_EQ(response.status, 422) << response.body;
  const nlohmann::json body = response.Json();
  EXPECT_EQ(body["rows_inserted"], 0);
  ASSERT_EQ(body["rejects"].size(), 1u);
  EXPECT_EQ(body["rejects"][0]["index"], 3);
  EXPECT_EQ(body["rejects"][0]["errors"][0]["field"], "datetime");
  EXPECT_EQ(CountRows("hired_employees"), 0);

  // Without atomic the four good rows go in and the bad one is rejected.
  const HttpResponse partial = PostJson("hired_employees", rows.dump());
  EXPECT_EQ(partial.status, 200) << partial.body;
  EXPECT_EQ(CountRows("hired_employees"), 4);
}

TEST_P(BatchTest, EveryDataRuleRejectsItsRowWithFieldAndCode) {
  SeedCatalog();
  const std::string body = R"([
    {"id": 1, "name": "Ok", "datetime": "2021-01-01T00:00:00+02:00", "department_id": 1, "job_id": 1},
    {"id": 0, "name": "Zero id", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1},
    {"id": 3, "name": "   ", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1},
    {"id": 4, "name": "No job", "datetime": "2021-01-01T00:00:00Z", "department_id": 1},
    {"id": 5, "name": "Extra", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1, "x": 1},
    {"id": 6, "name": "Bad job", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 42},
    {"id": 1, "name": "Dup", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1},
    {"id": 8.5, "name": "Fractional id", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1}
  ])";
  const HttpResponse response = PostJson("hired_employees", body);
  ASSERT_EQ(response.status, 200) << response.body;
  const nlohmann::json rejects = response.Json()["rejects"];
  std::map<int, std::string> field_by_index;
  for (const auto& reject : rejects) field_by_index[reject["index"].get<int>()] = reject["errors"][0]["field"];
  EXPECT_EQ(field_by_index, (std::map<int, std::string>{
                                {1, "id"}, {2, "name"}, {3, "job_id"}, {4, "x"}, {5, "job_id"}, {6, "id"}, {7, "id"}}));
  EXPECT_EQ(CountRows("hired_employees"), 1);
  // +02:00 is stored as UTC.
  EXPECT_EQ(Get(Url("/v1/hired_employees/1")).Json()["datetime"], "2020-12-31T22:00:00Z");
}

TEST_P(BatchTest, CsvBatchIsAcceptedAndLoadsAreListedNewestFirst) {
  const HttpResponse response = Post(Url("/v1/jobs"), "1,Engineer\n2,Analyst\n", "text/csv");
  ASSERT_EQ(response.status, 201) << response.body;
  ASSERT_EQ(PostJson("departments", R"([{"id": 1, "department": "Sales"}])").status, 201);
  const nlohmann::json loads = Get(Url("/v1/loads")).Json();
  ASSERT_EQ(loads["items"].size(), 2u);
  EXPECT_EQ(loads["items"][0]["table"], "departments");
  EXPECT_EQ(loads["items"][1]["table"], "jobs");
  EXPECT_EQ(loads["items"][1]["status"], "succeeded");
}

MIGRATION_ON_BOTH_BACKENDS(BatchTest);

}  // namespace
}  // namespace migration::testing
