// Service-level HTTP behaviour: health endpoints, request ids, problem bodies, graceful stop.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>

#include "support/api_fixture.hpp"
#include "support/upload_spool_probe.hpp"
#include "support/wait.hpp"

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

// Issue 14, item 7: a parameter the route does not take (a typo, or a feature of another version
// such as ?dryrun=true) is refused before the body is read, so nothing is loaded by mistake.
TEST_P(HttpTest, AnUnknownQueryParameterIsRefusedNamingItAndTheAcceptedOnesAndLoadsNothing) {
  const HttpResponse dry = PostJson("departments", R"([{"id":1,"department":"Sales"}])", "?dryrun=true");
  EXPECT_EQ(dry.status, 400) << dry.body;
  EXPECT_EQ(dry.Json()["detail"],
            "unknown query parameter \"dryrun\"; POST /v1/{table} takes on_conflict, atomic, header, extra_columns, "
            "dry_run");
  // Given twice: which one was meant is not guessed.
  const HttpResponse twice = UploadCsv("departments", "1,Sales\n", "?on_conflict=reject&on_conflict=update");
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(twice.Json()["detail"], "query parameter \"on_conflict\" is given more than once; give it once");
  const HttpResponse typo = UploadCsv("departments", "1,Sales\n", "?onconflict=update");
  EXPECT_EQ(typo.status, 400) << typo.body;
  EXPECT_NE(typo.Json()["detail"].get<std::string>().find("\"onconflict\""), std::string::npos) << typo.body;
  EXPECT_EQ(CountRows("departments"), 0);
  EXPECT_EQ(CountRows("loads"), 0) << "a refused request records no load";
  // A route that takes no parameters says so; the accepted ones still work.
  const HttpResponse health = Get(Url("/readyz?verbose=1"));
  EXPECT_EQ(health.status, 400) << health.body;
  EXPECT_NE(health.Json()["detail"].get<std::string>().find("takes none"), std::string::npos) << health.body;
  EXPECT_EQ(Get(Url("/v1/loads?limit=5")).status, 200);
  // The name is echoed only up to a bound.
  const HttpResponse hostile = Get(Url("/v1/loads?" + std::string(5000, 'x') + "=1"));
  EXPECT_EQ(hostile.status, 400);
  EXPECT_LT(hostile.body.size(), 1024U) << hostile.body.size();
}

TEST_P(HttpTest, SigtermStopsTheServerCleanly) {
  const int status = server_->Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << server_->Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server_->Log();
}

TEST_P(HttpTest, SigtermLetsAnUploadInFlightFinishThenExits) {
  std::string body;
  for (int id = 1; id <= 50000; ++id) body += std::to_string(id) + ",Department " + std::to_string(id) + "\n";
  RawConnection connection(server_->port());
  connection.Send(
      "POST /v1/departments/upload HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  connection.Send(body.substr(0, body.size() / 2));
  // Wait until the upload is in flight — the server holds the first half (the body is spooled
  // until complete; its load starts only then) — then ask it to stop.
  ASSERT_TRUE(WaitForSpooledBytes(server_->pid(), body.size() / 2, std::chrono::seconds(20)))
      << "the server never took in the first half";
  ASSERT_EQ(::kill(server_->pid(), SIGTERM), 0);
  // The rest of the body arrives only once the server is draining.
  ASSERT_TRUE(WaitUntil([&] { return server_->Log().find("\"server_draining\"") != std::string::npos; },
                        std::chrono::seconds(5)))
      << server_->Log();
  connection.Send(body.substr(body.size() / 2));
  const std::string response = connection.ReceiveUntilClosed();
  EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0u) << response;
  const int status = server_->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server_->Log();
  EXPECT_EQ(CountRows("departments"), 50000);
}

MIGRATION_ON_BOTH_BACKENDS(HttpTest);

}  // namespace
}  // namespace migration::testing
