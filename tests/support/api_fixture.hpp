#pragma once
// One fresh database and one running server per test, for every backend (the tests of shared
// behaviour are instantiated on SQLite and on PostgreSQL).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_database.hpp"

namespace migration::testing {

class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    server_ = std::make_unique<ServerProcess>(database_->url());
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->Log() << "\n";
    server_.reset();
    database_.reset();
  }

  std::string Url(const std::string& path) const { return server_->Url(path); }

  HttpResponse UploadCsv(const std::string& table, const std::string& csv, const std::string& query = "") {
    return Post(Url("/v1/" + table + "/upload" + query), csv, "text/csv");
  }
  HttpResponse PostJson(const std::string& table, const std::string& json, const std::string& query = "") {
    return Post(Url("/v1/" + table + query), json, "application/json");
  }
  long long CountRows(const std::string& table) const { return database_->QueryInt("SELECT count(*) FROM " + table); }
  // A few departments and jobs so hires have something to reference.
  void SeedCatalog() {
    ASSERT_EQ(UploadCsv("departments", "1,Sales\n2,Research\n3,Legal\n").status, 201);
    ASSERT_EQ(UploadCsv("jobs", "1,Engineer\n2,Analyst\n3,Manager\n").status, 201);
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
};

inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) { return BackendName(info.param); }

#define MIGRATION_ON_BOTH_BACKENDS(Suite)                                                                  \
  INSTANTIATE_TEST_SUITE_P(                                                                                \
      Backends, Suite,                                                                                     \
      ::testing::Values(::migration::testing::Backend::kSqlite, ::migration::testing::Backend::kPostgres), \
      ::migration::testing::BackendParamName)

}  // namespace migration::testing
