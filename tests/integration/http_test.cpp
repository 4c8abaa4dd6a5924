// Service-level HTTP behaviour: health endpoints, request ids, problem bodies, graceful stop.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class HttpTest : public ApiTest {};

TEST_P(HttpTest, RootHealthAndReadinessAnswerWithRequestIds) {
  const HttpResponse root = Get(Url("/"));
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.Json()["service"], "migration-api");
  EXPECT_EQ(root.Json()["status"], "ok");
  EXPECT_FALSE(root.Json()["version"].get<std::string>().empty());
  EXPECT_EQ(Get(Url("/healthz")).status, 200);
  const HttpResponse ready = Get(Url("/readyz"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(root.Header("x-request-id"), ready.Header("x-request-id"));
  EXPECT_FALSE(root.Header("x-request-id").empty());
}

TEST_P(HttpTest, ACallerSuppliedRequestIdIsEchoed) {
  const HttpResponse response = Request("GET", Url("/healthz"), "", {"X-Request-Id: trace-abc-123"});
  EXPECT_EQ(response.Header("x-request-id"), "trace-abc-123");
}

TEST_P(HttpTest, UnknownPathsAndMethodsAreProblemDocuments) {
  const HttpResponse missing = Get(Url("/v2/nothing"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
  const nlohmann::json problem = missing.Json();
  EXPECT_EQ(problem["status"], 404);
  EXPECT_FALSE(problem["title"].get<std::string>().empty());
  EXPECT_FALSE(problem["detail"].get<std::string>().empty());
  EXPECT_EQ(Request("DELETE", Url("/v1/departments")).status, 405);
  EXPECT_EQ(Get(Url("/v1/departments/abc")).status, 404);
  EXPECT_EQ(Get(Url("/v1/departments?limit=5000")).status, 400);
}

TEST_P(HttpTest, SigtermStopsTheServerCleanly) {
  const int status = server_->Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << server_->Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server_->Log();
}

MIGRATION_ON_BOTH_BACKENDS(HttpTest);

}  // namespace
}  // namespace migration::testing
