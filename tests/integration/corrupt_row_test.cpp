// A value the service stored but cannot read back (changed behind its back) is a 500 naming the
// column, never a default: a load of "departments" or a hire in 1970 would be a quiet lie.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

using json = nlohmann::json;

class CorruptRowTest : public ApiTest {};

TEST_P(CorruptRowTest, AStoredTableNameThatIsNoTableIsAnInternalErrorNamingTheColumn) {
  ASSERT_EQ(UploadCsv("jobs", "1,Engineer\n").status, 201);
  EXPECT_EQ(Get(Url("/v1/loads/1")).status, 200);
  database_->Execute("UPDATE loads SET table_name = 'nonsense' WHERE id = 1");
  for (const std::string path : {"/v1/loads/1", "/v1/loads"}) {
    const HttpResponse response = Get(Url(path));
    EXPECT_EQ(response.status, 500) << path << ": " << response.body;
    EXPECT_NE(json::parse(response.body)["detail"].get<std::string>().find("corrupt row: loads.table_name"),
              std::string::npos)
        << response.body;
  }
}

TEST_P(CorruptRowTest, AStoredLoadStatusThatIsNoStatusIsAnInternalError) {
  ASSERT_EQ(UploadCsv("jobs", "1,Engineer\n").status, 201);
  database_->Execute("UPDATE loads SET status = 'halfway' WHERE id = 1");
  const HttpResponse response = Get(Url("/v1/loads/1"));
  EXPECT_EQ(response.status, 500) << response.body;
  EXPECT_NE(response.body.find("corrupt row: loads.status"), std::string::npos) << response.body;
}

MIGRATION_ON_BOTH_BACKENDS(CorruptRowTest);

// SQLite keeps a hire's datetime as text: one that does not parse fails the backup that reads it.
TEST(CorruptHireTest, AHireDatetimeThatDoesNotParseFailsTheBackupInsteadOfWriting1970) {
  const TestDatabase database(Backend::kSqlite);
  const ServerProcess server(database.url());
  ASSERT_EQ(Post(server.Url("/v1/departments"), R"([{"id":1,"department":"Sales"}])", "application/json").status, 201);
  ASSERT_EQ(Post(server.Url("/v1/jobs"), R"([{"id":1,"job":"Engineer"}])", "application/json").status, 201);
  ASSERT_EQ(Post(server.Url("/v1/hired_employees"),
                 R"([{"id":1,"name":"A","datetime":"2021-05-01T00:00:00Z","department_id":1,"job_id":1}])",
                 "application/json")
                .status,
            201);
  database.Execute("UPDATE hired_employees SET datetime = 'yesterday' WHERE id = 1");
  const HttpResponse response = Post(server.Url("/v1/hired_employees/backups"), "", "application/json");
  EXPECT_EQ(response.status, 500) << response.body;
  EXPECT_NE(response.body.find("corrupt row: hired_employees.datetime"), std::string::npos) << response.body;
}

}  // namespace
}  // namespace migration::testing
