// The service on a real S3 endpoint (moto_server with signature checking, started by
// scripts/test-servers.sh): uploads archived and read back by an independent client (the aws
// CLI), Avro backups read by avrocat, restore, the CLI's historical load from s3://, and an
// endpoint that is down.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/challenge_data.hpp"
#include "support/command.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_database.hpp"

namespace migration::testing {
namespace {

using nlohmann::json;

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through `make test` "
                             "(scripts/test-servers.sh starts the S3 endpoint)");
  }
  return value;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class S3ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = RequiredEnv("TEST_S3_ENDPOINT_URL");
    bucket_ = RequiredEnv("TEST_S3_BUCKET");
    // The service and the aws CLI both take the IAM user's key from the environment, as on a
    // machine configured by hand (ECS and EC2 credentials are unit-tested with stand-ins).
    ::setenv("AWS_ACCESS_KEY_ID", RequiredEnv("TEST_S3_ACCESS_KEY_ID").c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", RequiredEnv("TEST_S3_SECRET_ACCESS_KEY").c_str(), 1);
    ::setenv("AWS_REGION", RequiredEnv("TEST_S3_REGION").c_str(), 1);
    ::setenv("AWS_DEFAULT_REGION", RequiredEnv("TEST_S3_REGION").c_str(), 1);
    std::random_device random;
    prefix_ = "service-" + std::to_string(random());
    scratch_ = ::testing::TempDir() + "/" + prefix_;
    std::filesystem::create_directories(scratch_);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->Log() << "\n";
    server_.reset();
    std::filesystem::remove_all(scratch_);
  }

  void StartServer() {
    database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
    server_ = std::make_unique<ServerProcess>(
        database_->url(),
        std::vector<std::string>{"--storage-url", "s3://" + bucket_ + "/" + prefix_, "--s3-endpoint-url", endpoint_});
  }

  // The object's bytes as the aws CLI downloads them.
  std::string AwsGet(const std::string& key) {
    const std::string out = scratch_ + "/aws-get";
    const CommandResult get =
        RunProgram({"aws", "s3api", "get-object", "--endpoint-url", endpoint_, "--bucket", bucket_, "--key", key, out});
    EXPECT_EQ(get.exit_code, 0) << get.output;
    return ReadFile(out);
  }

  void AwsPut(const std::string& key, const std::string& file) {
    const CommandResult put = RunProgram(
        {"aws", "s3api", "put-object", "--endpoint-url", endpoint_, "--bucket", bucket_, "--key", key, "--body", file});
    ASSERT_EQ(put.exit_code, 0) << put.output;
  }

  // "s3://bucket/prefix/x" -> "prefix/x"
  std::string KeyOf(const std::string& location) {
    const std::string head = "s3://" + bucket_ + "/";
    EXPECT_EQ(location.rfind(head, 0), 0U) << location;
    return location.substr(head.size());
  }

  std::string Url(const std::string& path) const { return server_->Url(path); }

  std::string endpoint_;
  std::string bucket_;
  std::string prefix_;
  std::string scratch_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(S3ServiceTest, UploadsAreArchivedAndBackupsRestoreThroughS3) {
  StartServer();
  const DataSet data = GeneratedData();
  for (const std::string table : {"departments", "jobs", "hired_employees"}) {
    const HttpResponse response = PostFile(Url("/v1/" + table + "/upload"), data.File(table));
    ASSERT_TRUE(response.status == 201 || response.status == 200) << response.body;
    const std::string archive = response.Json()["archive"];
    EXPECT_NE(archive.find("/" + prefix_ + "/uploads/" + table + "/"), std::string::npos) << archive;
    EXPECT_EQ(AwsGet(KeyOf(archive)), ReadFile(data.File(table))) << table;
  }

  const HttpResponse backup = Post(Url("/v1/hired_employees/backups"), "", "application/json");
  ASSERT_EQ(backup.status, 201) << backup.body;
  const json written = backup.Json();
  const std::string avro = scratch_ + "/backup.avro";
  std::ofstream(avro, std::ios::binary) << AwsGet(KeyOf(written["location"]));
  const CommandResult avrocat = RunProgram({"avrocat", avro});
  ASSERT_EQ(avrocat.exit_code, 0) << avrocat.output;
  long long records = 0;
  std::istringstream lines(avrocat.output);
  for (std::string line; std::getline(lines, line);) records += line.empty() ? 0 : 1;
  EXPECT_EQ(records, written["rows"].get<long long>());
  EXPECT_EQ(records, database_->QueryInt("SELECT count(*) FROM hired_employees"));

  const std::string report = Get(Url("/v1/reports/hires-by-quarter")).body;
  database_->Execute("DELETE FROM hired_employees WHERE id % 2 = 0");
  const HttpResponse restored =
      Post(Url("/v1/hired_employees/restore"), json{{"backup_id", written["backup_id"]}}.dump(), "application/json");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), records);
  EXPECT_EQ(Get(Url("/v1/reports/hires-by-quarter")).body, report);
}

TEST_F(S3ServiceTest, TheCliLoadsHistoricalFilesFromAnS3PrefixAndFromOneObject) {
  const DataSet data = GeneratedData();
  for (const std::string table : {"hired_employees", "departments", "jobs"}) {
    AwsPut(prefix_ + "/history/" + table + ".csv", data.File(table));
  }
  const TestDatabase database(Backend::kSqlite);
  const CommandResult folder = RunMigrationApi({"load", "s3://" + bucket_ + "/" + prefix_ + "/history/",
                                                "--database-url", database.url(), "--s3-endpoint-url", endpoint_});
  // Exit 0: the hires file's rows with empty fields are rejected and listed, the rest loaded.
  EXPECT_EQ(folder.exit_code, 0) << folder.output;
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM departments"), ExpectCatalog(data, "departments").inserted);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM jobs"), ExpectCatalog(data, "jobs").inserted);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM hired_employees"), ExpectHires(data).inserted);
  // Parents first whatever the listing order: the summary names departments before the hires.
  EXPECT_LT(folder.output.find("departments.csv"), folder.output.find("hired_employees.csv")) << folder.output;

  const TestDatabase single(Backend::kSqlite);
  const CommandResult object = RunMigrationApi({"load", "s3://" + bucket_ + "/" + prefix_ + "/history/jobs.csv",
                                                "--database-url", single.url(), "--s3-endpoint-url", endpoint_});
  EXPECT_EQ(object.exit_code, 0) << object.output;
  EXPECT_EQ(single.QueryInt("SELECT count(*) FROM jobs"), ExpectCatalog(data, "jobs").inserted);

  const CommandResult missing = RunMigrationApi({"load", "s3://" + bucket_ + "/" + prefix_ + "/nothing-here/",
                                                 "--database-url", single.url(), "--s3-endpoint-url", endpoint_});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no departments.csv"), std::string::npos) << missing.output;
}

TEST_F(S3ServiceTest, AnUploadWhileTheEndpointIsDownFailsCleanlyWith503) {
  database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
  const std::string dead = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  server_ = std::make_unique<ServerProcess>(
      database_->url(),
      std::vector<std::string>{"--storage-url", "s3://" + bucket_ + "/" + prefix_, "--s3-endpoint-url", dead});
  const HttpResponse response = Post(Url("/v1/departments/upload"), "1,Sales\n2,Research\n", "text/csv");
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_FALSE(response.Header("retry-after").empty());
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), 0);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads WHERE status = 'failed'"), 1);
  // The database is fine: batches (not archived) still work.
  EXPECT_EQ(Post(Url("/v1/departments"), R"([{"id": 1, "department": "Sales"}])", "application/json").status, 201);
}

}  // namespace
}  // namespace migration::testing
