#pragma once
// Shared by the PostgreSQL backend tests: a real server (TEST_POSTGRES_URL, exported by
// scripts/test-servers.sh) and a fresh schema per test, so tests never see each other's rows and
// other test binaries using the same server are never disturbed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "db/database.hpp"
#include "db/postgres/pg_connection.hpp"
#include "db/postgres/pg_database.hpp"
#include "support/wait.hpp"

namespace migration::db::postgres::testing {

// Adds query parameters to a libpq URI.
inline std::string WithParams(const std::string& url, const std::string& params) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + params;
}

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // These tests never skip: without a server they fail, saying how to provide one.
    const char* url = std::getenv("TEST_POSTGRES_URL");
    ASSERT_TRUE(url != nullptr && *url != '\0')
        << "TEST_POSTGRES_URL is not set: the PostgreSQL backend tests need a real server. Run them through "
           "`scripts/test-servers.sh run -- <command>` (make test does).";
    server_url_ = url;
    static std::atomic<int> counter{0};
    schema_ = "pgtest_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    admin_ = std::make_unique<PgConnection>(server_url_);
    Sql("CREATE SCHEMA " + schema_);
    Sql("SET search_path = " + schema_);
    // search_path puts the test's tables in its schema; application_name finds its backends.
    url_ = WithParams(server_url_, "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_);
    db_ = Open();
  }

  void TearDown() override {
    db_.reset();
    if (!admin_ || schema_.empty()) return;
    try {
      if (!admin_->IsIdle()) Sql("ROLLBACK");
      Sql("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    } catch (const std::exception& error) {
      ADD_FAILURE() << "dropping the test schema failed: " << error.what();
    }
  }

  std::unique_ptr<Database> Open(DatabaseOptions options = {}) {
    options.acquire_timeout_ms = 2000;
    return OpenPostgresDatabase(url_, options);
  }

  // Runs SQL on the test's own admin connection (search_path set to the test schema).
  PgResult Sql(const std::string& sql) { return admin_->Exec({"test sql", sql}); }
  std::string Value(const std::string& sql) {
    const PgResult result = Sql(sql);
    return result.Rows() == 0 ? std::string() : std::string(result.Text(0, 0));
  }
  int64_t Count(const std::string& sql) { return std::stoll(Value(sql)); }

  // Terminates the backends of this test's database connections and waits until they are gone.
  int KillTestBackends() {
    const int killed =
        static_cast<int>(Count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                               "application_name = '" +
                               schema_ + "'"));
    EXPECT_TRUE(::migration::testing::WaitUntil(
        [&] { return Count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + schema_ + "'") == 0; },
        std::chrono::seconds(5), std::chrono::milliseconds(10)))
        << "the terminated backends of " << schema_ << " are still there";
    return killed;
  }

  std::string server_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<PgConnection> admin_;
  std::unique_ptr<Database> db_;
};

// A test schema with the migrations applied.
class MigratedPgTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_GT(db_->Migrate(), 0);
  }
};

}  // namespace migration::db::postgres::testing
