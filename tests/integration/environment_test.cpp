// Issue 11, item 11: ENVIRONMENT is development, staging or production in any case, and nothing
// else. A misspelt value used to run as development, where /v1 needs no key.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_database.hpp"

namespace migration::testing {
namespace {

// `migration-api serve` with ENVIRONMENT set; `timeout` ends a server that wrongly starts, so a
// regression fails the test instead of hanging it.
CommandResult ServeWithEnvironment(const TestDatabase& database, const std::string& environment) {
  return RunProgram({"timeout", "20", "env", "ENVIRONMENT=" + environment, MIGRATION_BINARY, "serve", "--bind",
                     "127.0.0.1", "--port", std::to_string(FreeLoopbackPort()), "--database-url", database.url()});
}

TEST(EnvironmentTest, AnUnknownEnvironmentRefusesToStartNamingTheAcceptedValues) {
  const TestDatabase database(Backend::kSqlite);
  for (const std::string value : {"prod", "dev", "Production ", "stage", "test"}) {
    const CommandResult result = ServeWithEnvironment(database, value);
    EXPECT_EQ(result.exit_code, 2) << value << ": " << result.output;
    EXPECT_NE(result.output.find("ENVIRONMENT must be development, staging or production"), std::string::npos)
        << value << ": " << result.output;
  }
}

TEST(EnvironmentTest, TheCaseOfAnAcceptedValueDoesNotMatter) {
  const TestDatabase database(Backend::kSqlite);
  // "Production" is production: without keys it refuses to start, as "production" does.
  for (const std::string value : {"Production", "PRODUCTION", "Staging"}) {
    const CommandResult result = ServeWithEnvironment(database, value);
    EXPECT_EQ(result.exit_code, 2) << value << ": " << result.output;
    EXPECT_NE(result.output.find("requires API keys"), std::string::npos) << value << ": " << result.output;
  }
  // With a key it starts, and /v1 needs that key; the flag is read like the variable.
  const ServerProcess server(database.url(), {"--environment", "PRODUCTION", "--api-keys",
                                              "ci:5b2a5e2ab5a1e3d2bbc1c7c2e2e7e0d0c5c0f1b9d9f7f3a0e3f5c1b7a9d2e4f6"});
  EXPECT_EQ(Get(server.Url("/v1/departments")).status, 401);
  EXPECT_NE(server.Log().find(R"("environment":"production")"), std::string::npos) << server.Log();
  // Development, in any case, still runs open.
  const ServerProcess open(database.url(), {"--environment", "Development"});
  EXPECT_EQ(Get(open.Url("/v1/departments")).status, 200);
}

}  // namespace
}  // namespace migration::testing
