// POST /v1/loads/{id}/rejects/retry over real HTTP on both backends: hires uploaded before their
// departments are rejected; once the departments are loaded, the retry loads exactly those.

#include <gtest/gtest.h>

#include <string>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class RejectRetryApiTest : public ApiTest {
 protected:
  HttpResponse Retry(long long load_id, const std::string& query = "") {
    return Post(Url("/v1/loads/" + std::to_string(load_id) + "/rejects/retry" + query), "", "application/json");
  }
};

TEST_P(RejectRetryApiTest, HiresLoadedBeforeTheirParentsAreLoadedByARetry) {
  ASSERT_EQ(UploadCsv("jobs", "1,Engineer\n").status, 201);
  const HttpResponse first = UploadCsv("hired_employees",
                                       "1,Ann,2021-01-05T10:00:00Z,1,1\n"
                                       "2,Bob,2021-02-05T10:00:00Z,2,1\n"
                                       "3,Cid,2021-03-05T10:00:00Z,3,1\n");
  ASSERT_EQ(first.status, 422) << first.body;
  const long long first_id = first.Json()["load_id"].get<long long>();

  ASSERT_EQ(UploadCsv("departments", "1,Sales\n2,Research\n").status, 201);
  const HttpResponse retry = Retry(first_id);
  ASSERT_EQ(retry.status, 200) << retry.body;
  const nlohmann::json load = retry.Json();
  EXPECT_EQ(load["retry_of"], first_id) << retry.body;
  EXPECT_EQ(load["rows_inserted"], 2) << retry.body;
  EXPECT_EQ(load["rows_rejected"], 1) << retry.body;
  ASSERT_EQ(load["rejects"].size(), 1U) << retry.body;
  EXPECT_EQ(load["rejects"][0]["line"], 3) << retry.body;
  EXPECT_EQ(CountRows("hired_employees"), 2);
  // Linked in the history; the first load unchanged.
  EXPECT_EQ(Get(Url("/v1/loads/" + load["load_id"].dump())).Json()["retry_of"], first_id);
  const nlohmann::json original = Get(Url("/v1/loads/" + std::to_string(first_id))).Json();
  EXPECT_EQ(original["rows_rejected"], 3);
  EXPECT_TRUE(original["retry_of"].is_null());

  // The last one once its department exists; a dry run first changes nothing.
  ASSERT_EQ(UploadCsv("departments", "3,Legal\n").status, 201);
  const long long retry_id = load["load_id"].get<long long>();
  const HttpResponse dry = Retry(retry_id, "?dry_run=true");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.Json()["outcome"], "succeeded") << dry.body;
  EXPECT_EQ(CountRows("hired_employees"), 2);
  EXPECT_EQ(Retry(retry_id).status, 201);
  EXPECT_EQ(CountRows("hired_employees"), 3);
}

TEST_P(RejectRetryApiTest, ARetryWithNothingToRetryIsRefused) {
  const HttpResponse clean = UploadCsv("departments", "1,Sales\n");
  ASSERT_EQ(clean.status, 201);
  const HttpResponse none = Retry(clean.Json()["load_id"].get<long long>());
  EXPECT_EQ(none.status, 422) << none.body;
  EXPECT_NE(none.body.find("no rejects"), std::string::npos) << none.body;
  EXPECT_EQ(Retry(999).status, 404);
  EXPECT_EQ(Retry(1, "?dryrun=true").status, 400);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads"), 1);
}

TEST_P(RejectRetryApiTest, ARetrySentTwiceWithOneIdempotencyKeyLoadsOnce) {
  const HttpResponse first = UploadCsv("departments", "1,Sales\n2,\n");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string url = Url("/v1/loads/" + first.Json()["load_id"].dump() + "/rejects/retry");
  const HttpResponse once = Request("POST", url, "", {"Idempotency-Key: retry-1"});
  ASSERT_EQ(once.status, 422) << once.body;  // the blank name is still blank
  const HttpResponse twice = Request("POST", url, "", {"Idempotency-Key: retry-1"});
  EXPECT_EQ(twice.status, 422) << twice.body;
  EXPECT_EQ(twice.Header("idempotent-replayed"), "true");
  EXPECT_EQ(twice.Json()["load_id"], once.Json()["load_id"]);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads WHERE source = 'retry'"), 1);
}

MIGRATION_ON_BOTH_BACKENDS(RejectRetryApiTest);

}  // namespace
}  // namespace migration::testing
