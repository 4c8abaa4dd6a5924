#include "db/postgres/pg_login.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "core/error.hpp"

namespace migration::db::postgres {
namespace {

TEST(PgLoginTest, ParsesTheSecretsManagerDatabaseSecret) {
  // The shape of Aurora's managed master secret (and of rotation's secrets: extra keys are fine).
  const PgLogin login = ParseLoginSecret(R"({"username":"migration_app","password":"p\"w","engine":"postgres"})");
  EXPECT_EQ(login.user, "migration_app");
  EXPECT_EQ(login.password, "p\"w");
  for (const char* bad : {"", "plain text", "[]", R"({"username":"u"})", R"({"username":"u","password":""})",
                          R"({"username":1,"password":"p"})"}) {
    try {
      ParseLoginSecret(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
      EXPECT_EQ(error.detail().find("\"p\""), std::string::npos);
    }
  }
}

TEST(PgLoginTest, CachedUntilRefusedThenReadAgainAtMostOncePerInterval) {
  int reads = 0;
  SecretLoginSource source(
      [&] {
        ++reads;
        return R"({"username":"u","password":"p)" + std::to_string(reads) + R"("})";
      },
      std::chrono::milliseconds(200));
  EXPECT_EQ(source.Current().password, "p1");
  EXPECT_EQ(source.Current().password, "p1");
  EXPECT_EQ(reads, 1);
  // A refusal right after a read (the whole pool failing at once) is served by that read.
  EXPECT_EQ(source.Refreshed().password, "p1");
  EXPECT_EQ(reads, 1);
  // Waiting out the 200 ms interval is the behaviour under test, not synchronisation.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(source.Refreshed().password, "p2");
  EXPECT_EQ(source.Current().password, "p2");
  EXPECT_EQ(source.reads(), 2);
}

TEST(PgLoginTest, AFailedReadIsAnErrorAndTheNextCallTriesAgain) {
  int calls = 0;
  SecretLoginSource source([&]() -> std::string {
    if (++calls == 1) throw core::Error(core::ErrorCode::kUnavailable, "Secrets Manager did not answer");
    return R"({"username":"u","password":"p"})";
  });
  EXPECT_THROW(source.Current(), core::Error);
  EXPECT_EQ(source.Current().user, "u");
}

TEST(PgLoginTest, TellsARefusedLoginFromAnUnreachableServer) {
  EXPECT_TRUE(
      IsLoginRefused("connection to server at \"10.0.0.1\", port 5432 failed: FATAL:  password "
                     "authentication failed for user \"migration_app\""));
  EXPECT_TRUE(IsLoginRefused("FATAL:  PAM authentication failed for user \"migration_app\""));
  EXPECT_FALSE(IsLoginRefused("connection to server at \"10.0.0.1\", port 5432 failed: Connection refused"));
  EXPECT_FALSE(IsLoginRefused("FATAL:  the database system is starting up"));
}

}  // namespace
}  // namespace migration::db::postgres
