// Idempotency-Key on POST /v1/{table} and uploads: a retried request returns the first response
// and inserts nothing twice, also when the two copies race.

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class IdempotencyTest : public ApiTest {
 protected:
  HttpResponse PostWithKey(const std::string& path, const std::string& body, const std::string& type,
                           const std::string& key) {
    return Request("POST", Url(path), body, {"Content-Type: " + type, "Idempotency-Key: " + key});
  }
  long long Loads() const { return database_->QueryInt("SELECT count(*) FROM loads"); }
};

TEST_P(IdempotencyTest, ARetriedBatchReturnsTheFirstResponseAndInsertsNothingTwice) {
  const std::string body = R"([{"id": 1, "department": "Sales"}, {"id": 2, "department": ""}])";
  const HttpResponse first = PostWithKey("/v1/departments", body, "application/json", "retry-1");
  ASSERT_EQ(first.status, 200) << first.body;
  const HttpResponse again = PostWithKey("/v1/departments", body, "application/json", "retry-1");
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(CountRows("departments"), 1);
  EXPECT_EQ(Loads(), 1);
  // A new key is a new request: the id now exists, so it is rejected as a duplicate.
  EXPECT_EQ(PostWithKey("/v1/departments", body, "application/json", "retry-2").status, 422);
}

TEST_P(IdempotencyTest, ARetriedUploadIsReadButNotLoadedAgain) {
  const std::string csv = "1,Sales\n2,Research\n";
  const HttpResponse first = PostWithKey("/v1/departments/upload", csv, "text/csv", "upload-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const HttpResponse again = PostWithKey("/v1/departments/upload", csv, "text/csv", "upload-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Loads(), 1);
  EXPECT_EQ(CountRows("departments"), 2);
}

TEST_P(IdempotencyTest, AKeyServesOneRequestOnlyAndMustBeSane) {
  ASSERT_EQ(PostWithKey("/v1/departments", R"([{"id": 1, "department": "Sales"}])", "application/json", "k").status,
            201);
  const HttpResponse other = PostWithKey("/v1/jobs", R"([{"id": 1, "job": "Engineer"}])", "application/json", "k");
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(CountRows("jobs"), 0);
  EXPECT_EQ(PostWithKey("/v1/jobs", "[]", "application/json", std::string(300, 'x')).status, 400);
}

TEST_P(IdempotencyTest, TwoCopiesRacingLoadTheRowsOnce) {
  SeedCatalog();
  nlohmann::json rows = nlohmann::json::array();
  for (int id = 1; id <= 500; ++id) {
    rows.push_back(
        {{"id", id}, {"name", "P"}, {"datetime", "2021-01-01T00:00:00Z"}, {"department_id", 1}, {"job_id", 1}});
  }
  const std::string body = rows.dump();
  auto a = std::async(std::launch::async,
                      [&] { return PostWithKey("/v1/hired_employees", body, "application/json", "race"); });
  auto b = std::async(std::launch::async,
                      [&] { return PostWithKey("/v1/hired_employees", body, "application/json", "race"); });
  const HttpResponse ra = a.get();
  const HttpResponse rb = b.get();
  EXPECT_EQ(ra.status, 201) << ra.body;
  EXPECT_EQ(rb.status, 201) << rb.body;
  EXPECT_EQ(ra.body, rb.body);
  EXPECT_EQ(CountRows("hired_employees"), 500);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads WHERE status = 'succeeded' AND table_name = "
                                "'hired_employees'"),
            1);
}

MIGRATION_ON_BOTH_BACKENDS(IdempotencyTest);

}  // namespace
}  // namespace migration::testing
