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

  void StartServer(Backend backend = Backend::kSqlite) {
    database_ = std::make_unique<TestDatabase>(backend);
    server_ = std::make_unique<ServerProcess>(
        database_->url(), std::vector<std::string>{"--storage-url", "s3://" + bucket_ + "/" + prefix_,
                                                   "--s3-endpoint-url", endpoint_, "--s3-part-size-mib", "8"});
  }

  // A request with plain curl and no AWS credentials: only the presigned URL authorizes it.
  // Returns "STATUS ETAG".
  std::string Curl(const std::string& method, const std::string& url, const std::string& body_file) {
    std::vector<std::string> args = {
        "curl", "-q",     "-sS", "--noproxy", "*", "-X", method, "-o", "/dev/null", "-w", "%{http_code} %header{etag}",
        "-H",   "Expect:"};
    if (!body_file.empty()) args.insert(args.end(), {"-H", "Content-Type:", "--data-binary", "@" + body_file});
    args.push_back(url);
    const CommandResult result = RunProgram(args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

  json WaitForImport(int64_t id) {
    json import;
    for (int i = 0; i < 600; ++i) {
      import = Get(Url("/v1/imports/" + std::to_string(id))).Json();
      const std::string status = import["status"];
      if (status == "succeeded" || status == "failed" || status == "cancelled") return import;
      usleep(100000);
    }
    ADD_FAILURE() << "import did not end: " << import.dump();
    return import;
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

// Hires with every 30th naming an unknown department; about `bytes` of them.
std::string HiresOfSize(size_t bytes, long long* valid) {
  std::string csv;
  *valid = 0;
  for (int id = 1; csv.size() < bytes; ++id) {
    csv += std::to_string(id) + ",Hire number " + std::to_string(id) + ",2021-0" + std::to_string(1 + id % 9) +
           "-05T10:00:00Z," + (id % 30 == 0 ? "99" : "1") + ",1\n";
    if (id % 30 != 0) ++*valid;
  }
  return csv;
}

TEST_F(S3ServiceTest, AFileUploadedThroughPresignedUrlsIsImportedOnStart) {
  StartServer(Backend::kPostgres);
  ASSERT_EQ(Post(Url("/v1/departments"), R"([{"id": 1, "department": "Sales"}])", "application/json").status, 201);
  ASSERT_EQ(Post(Url("/v1/jobs"), R"([{"id": 1, "job": "Engineer"}])", "application/json").status, 201);

  // What the web UI asks first: presigned URLs are on, with the configured part size.
  const json settings = Get(Url("/v1/direct-uploads")).Json();
  EXPECT_EQ(settings["enabled"], true);
  EXPECT_EQ(settings["part_size"], 8u << 20);
  EXPECT_LE(settings["max_bytes"].get<uint64_t>(), 1000ULL * (8u << 20)) << "at most 1,000 parts";
  EXPECT_GT(settings["max_bytes"].get<uint64_t>(), 20u << 20);

  // Small: one presigned PUT.
  const std::string small = scratch_ + "/jobs.csv";
  std::ofstream(small) << "2,Analyst\n3,Manager\n";
  const HttpResponse urls = Post(Url("/v1/jobs/upload-urls"), R"({"bytes": 20})", "application/json");
  ASSERT_EQ(urls.status, 201) << urls.body;
  const json single = urls.Json();
  EXPECT_EQ(single["upload"]["method"], "PUT");
  EXPECT_EQ(single["import"]["status"], "pending");
  const int64_t small_id = single["import"]["import_id"];
  EXPECT_NE(single["key"].get<std::string>().find("import-" + std::to_string(small_id) + ".csv"), std::string::npos);
  // Started before its object exists: refused, and it stays pending.
  EXPECT_EQ(Post(Url(single["start_url"]), "", "application/json").status, 409);
  EXPECT_EQ(Curl("PUT", single["upload"]["url"], small).substr(0, 3), "200");
  const HttpResponse started = Post(Url(single["start_url"]), "", "application/json");
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(WaitForImport(small_id)["status"], "succeeded");
  EXPECT_EQ(Get(Url("/v1/jobs")).Json()["items"].size(), 3u);

  // Large: multipart, parts of 8 MiB, completed by the client through the presigned POST.
  long long valid = 0;
  const std::string hires = HiresOfSize(20u << 20, &valid);
  const std::string big = scratch_ + "/hires.csv";
  std::ofstream(big, std::ios::binary) << hires;
  const HttpResponse multi = Post(Url("/v1/hired_employees/upload-urls"),
                                  R"({"bytes": )" + std::to_string(hires.size()) + "}", "application/json");
  ASSERT_EQ(multi.status, 201) << multi.body;
  const json plan = multi.Json();
  ASSERT_EQ(plan["upload"]["method"], "multipart");
  const uint64_t part_size = plan["upload"]["part_size"];
  EXPECT_EQ(part_size, 8u << 20);
  ASSERT_EQ(plan["upload"]["parts"].size(), 3u);
  std::string complete = "<CompleteMultipartUpload>";
  for (const auto& part : plan["upload"]["parts"]) {
    const uint64_t number = part["part_number"];
    const std::string piece = scratch_ + "/part";
    std::ofstream(piece, std::ios::binary) << hires.substr((number - 1) * part_size, part_size);
    const std::string answer = Curl("PUT", part["url"], piece);
    ASSERT_EQ(answer.substr(0, 3), "200") << answer;
    complete +=
        "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + answer.substr(4) + "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  const std::string complete_file = scratch_ + "/complete.xml";
  std::ofstream(complete_file) << complete;
  EXPECT_EQ(Curl("POST", plan["upload"]["complete"]["url"], complete_file).substr(0, 3), "200");
  EXPECT_EQ(AwsGet(KeyOf(plan["location"])), hires) << "the object is the file, byte for byte";
  const int64_t id = plan["import"]["import_id"];
  ASSERT_EQ(Post(Url(plan["start_url"]), "", "application/json").status, 202);
  const json done = WaitForImport(id);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["steps"][0]["rows_inserted"], valid);
  EXPECT_EQ(done["steps"][0]["bytes_read"], hires.size());
  EXPECT_EQ(Post(Url(plan["start_url"]), "", "application/json").status, 202) << "a second start changes nothing";
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), valid);
}

// The optional wiring of both IaC flavours, built in moto: the bucket's events go to EventBridge,
// a rule with the IaC's pattern sends each Object Created under the prefix's uploads/ to an SQS
// queue, and the service (UPLOAD_EVENTS_QUEUE_URL) starts the import whose object landed, with no
// POST .../start. Other objects under uploads/ (the service's own upload archives) are dropped
// from the queue; a message the service cannot read stays for the dead-letter queue.
TEST_F(S3ServiceTest, ABucketEventStartsTheImportOfADirectUpload) {
  const auto aws = [this](std::vector<std::string> args) {
    args.insert(args.begin(), {"aws", "--endpoint-url", endpoint_, "--output", "json"});
    const CommandResult result = RunProgram(args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  };
  const std::string queue_url =
      json::parse(aws({"sqs", "create-queue", "--queue-name", prefix_}))["QueueUrl"].get<std::string>();
  const std::string queue_arn = json::parse(aws({"sqs", "get-queue-attributes", "--queue-url", queue_url,
                                                 "--attribute-names", "QueueArn"}))["Attributes"]["QueueArn"];
  const json pattern = {
      {"source", {"aws.s3"}},
      {"detail-type", {"Object Created"}},
      {"detail", {{"bucket", {{"name", {bucket_}}}}, {"object", {{"key", {{{"prefix", prefix_ + "/uploads/"}}}}}}}}};
  aws({"events", "put-rule", "--name", prefix_, "--event-pattern", pattern.dump()});
  aws({"events", "put-targets", "--rule", prefix_, "--targets", "Id=queue,Arn=" + queue_arn});
  aws({"s3api", "put-bucket-notification-configuration", "--bucket", bucket_, "--notification-configuration",
       R"({"EventBridgeConfiguration": {}})"});

  database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
  server_ = std::make_unique<ServerProcess>(
      database_->url(),
      std::vector<std::string>{"--storage-url", "s3://" + bucket_ + "/" + prefix_, "--s3-endpoint-url", endpoint_,
                               "--upload-events-queue-url", queue_url});
  // An upload through the service: its archive lands under uploads/ too, and is not an import.
  ASSERT_EQ(Post(Url("/v1/departments/upload"), "1,Sales\n", "text/csv").status, 201);
  aws({"sqs", "send-message", "--queue-url", queue_url, "--message-body", "this is not an S3 event"});

  const std::string file = scratch_ + "/departments.csv";
  std::ofstream(file) << "2,Research\n3,Legal\n";
  const HttpResponse urls = Post(Url("/v1/departments/upload-urls"), R"({"bytes": 19})", "application/json");
  ASSERT_EQ(urls.status, 201) << urls.body;
  const int64_t id = urls.Json()["import"]["import_id"];
  EXPECT_EQ(Curl("PUT", urls.Json()["upload"]["url"], file).substr(0, 3), "200");
  const json done = WaitForImport(id);
  ASSERT_EQ(done["status"], "succeeded") << done.dump() << server_->Log();
  EXPECT_EQ(done["steps"][0]["rows_inserted"], 2);
  EXPECT_EQ(Get(Url("/v1/departments")).Json()["items"].size(), 3u);

  // Both S3 events handled and deleted; the foreign message received and left (invisible until
  // the visibility timeout, then back, and after maxReceiveCount in the dead-letter queue).
  json counts;
  for (int i = 0; i < 100; ++i) {
    counts = json::parse(aws({"sqs", "get-queue-attributes", "--queue-url", queue_url, "--attribute-names",
                              "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}))["Attributes"];
    if (counts["ApproximateNumberOfMessages"] == "0" && counts["ApproximateNumberOfMessagesNotVisible"] == "1") break;
    usleep(100000);
  }
  EXPECT_EQ(counts["ApproximateNumberOfMessages"], "0") << counts.dump();
  EXPECT_EQ(counts["ApproximateNumberOfMessagesNotVisible"], "1") << counts.dump();
  const std::string log = server_->Log();
  EXPECT_NE(log.find("import_started_by_upload_event"), std::string::npos) << log;
  EXPECT_NE(log.find("upload_event_unreadable"), std::string::npos) << log;

  aws({"events", "remove-targets", "--rule", prefix_, "--ids", "queue"});
  aws({"events", "delete-rule", "--name", prefix_});
  aws({"sqs", "delete-queue", "--queue-url", queue_url});
}

TEST_F(S3ServiceTest, AnImportReadsAnObjectOfTheBucketAndRefusesOneOutsideTheStore) {
  StartServer();
  ASSERT_EQ(Post(Url("/v1/departments"), R"([{"id": 1, "department": "Sales"}])", "application/json").status, 201);
  ASSERT_EQ(Post(Url("/v1/jobs"), R"([{"id": 1, "job": "Engineer"}])", "application/json").status, 201);
  long long valid = 0;
  const std::string file = scratch_ + "/hired_employees.csv";
  std::ofstream(file, std::ios::binary) << HiresOfSize(1u << 20, &valid);
  AwsPut(prefix_ + "/incoming/hired_employees.csv", file);
  const std::string source = "s3://" + bucket_ + "/" + prefix_ + "/incoming/hired_employees.csv";
  const HttpResponse created = Post(Url("/v1/imports"), json{{"source", source}}.dump(), "application/json");
  ASSERT_EQ(created.status, 202) << created.body;
  const json done = WaitForImport(created.Json()["import_id"]);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["steps"][0]["rows_inserted"], valid);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees"), valid);
  // Another prefix of the same bucket is not the service's to read.
  const HttpResponse outside =
      Post(Url("/v1/imports"), json{{"source", "s3://" + bucket_ + "/elsewhere/hired_employees.csv"}}.dump(),
           "application/json");
  EXPECT_EQ(outside.status, 400) << outside.body;
}

}  // namespace
}  // namespace migration::testing
