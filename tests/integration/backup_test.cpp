// Backups and restores over real HTTP, on SQLite and PostgreSQL, with the local object store:
// the Avro objects read by an independent reader (avrocat), backup -> change -> restore giving the
// same table and reports, refusals that change nothing, upload archives, and the CLI.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "support/api_fixture.hpp"
#include "support/challenge_data.hpp"
#include "support/command.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "file:///tmp/x/backups/a.avro" -> "/tmp/x/backups/a.avro"
std::string PathOf(const std::string& location) {
  EXPECT_EQ(location.rfind("file://", 0), 0U) << location;
  return location.substr(7);
}

class BackupTest : public ApiTest {
 protected:
  void LoadFiles(const DataSet& data) {
    for (const std::string table : {"departments", "jobs", "hired_employees"}) {
      const HttpResponse response = PostFile(Url("/v1/" + table + "/upload"), data.File(table));
      ASSERT_TRUE(response.status == 201 || response.status == 200) << table << ": " << response.body;
    }
  }

  // Every row of `table` as the API lists them, in id order.
  json AllRows(const std::string& table) {
    json rows = json::array();
    std::string after = "0";
    for (;;) {
      const HttpResponse page = Get(Url("/v1/" + table + "?limit=1000&after=" + after));
      EXPECT_EQ(page.status, 200) << page.body;
      const json body = page.Json();
      for (const auto& row : body["items"]) rows.push_back(row);
      if (body["next"].is_null()) return rows;
      after = std::to_string(body["next"].get<long long>());
    }
  }

  json Backup(const std::string& table) {
    const HttpResponse response = Post(Url("/v1/" + table + "/backups"), "", "application/json");
    EXPECT_EQ(response.status, 201) << response.body;
    return response.Json();
  }

  HttpResponse Restore(const std::string& table, const std::string& backup_id) {
    return Post(Url("/v1/" + table + "/restore"), json{{"backup_id", backup_id}}.dump(), "application/json");
  }

  std::string Reports() {
    return Get(Url("/v1/reports/hires-by-quarter?year=2021")).body +
           Get(Url("/v1/reports/departments-above-mean?year=2021")).body;
  }

  // The maintained counts equal a count of the rows (after the compactor's next round on PostgreSQL).
  void ExpectCountsMatchRows() {
    const long long rows = database_->QueryInt("SELECT count(*) FROM hired_employees");
    long long counted = -1;
    WaitUntil(
        [&] {
          counted = database_->QueryInt("SELECT coalesce(sum(q1 + q2 + q3 + q4), 0) FROM hire_counts");
          return counted == rows;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(100));
    EXPECT_EQ(counted, rows) << "hire_counts never matched hired_employees";
  }

  // A backup of each table, read by avrocat, holds exactly the rows the API lists.
  void ExpectAvroObjectsHoldTheTables() {
    for (const std::string table : {"departments", "jobs", "hired_employees"}) {
      const json backup = Backup(table);
      const json rows = AllRows(table);
      ASSERT_FALSE(rows.empty()) << table << ": nothing to compare";
      EXPECT_EQ(backup["table"], table) << backup.dump();
      EXPECT_EQ(backup["rows"], rows.size());
      EXPECT_EQ(backup["backup_id"].get<std::string>().size(), 32U);
      const std::string path = PathOf(backup["location"]);
      EXPECT_NE(path.find("/backups/" + table + "/"), std::string::npos) << path;
      EXPECT_TRUE(path.ends_with("-" + backup["backup_id"].get<std::string>() + ".avro")) << path;
      EXPECT_EQ(static_cast<long long>(std::filesystem::file_size(path)), backup["bytes"].get<long long>());

      const CommandResult avrocat = RunProgram({"avrocat", path});
      ASSERT_EQ(avrocat.exit_code, 0) << avrocat.output;
      std::istringstream lines(avrocat.output);
      size_t i = 0;
      for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        ASSERT_LT(i, rows.size());
        const json record = json::parse(line);
        const json& row = rows[i++];
        EXPECT_EQ(record["id"], row["id"]);
        if (table == "hired_employees") {
          EXPECT_EQ(record["name"], row["name"]);
          EXPECT_EQ(record["datetime"].get<int64_t>(), core::ParseRfc3339(row["datetime"].get<std::string>()).value());
          EXPECT_EQ(record["department_id"], row["department_id"]);
          EXPECT_EQ(record["job_id"], row["job_id"]);
        } else {
          const std::string column = table == "departments" ? "department" : "job";
          EXPECT_EQ(record[column], row[column]);
        }
      }
      EXPECT_EQ(i, rows.size()) << table;
    }
  }
};

TEST_P(BackupTest, AvroObjectsHoldExactlyTheTableAsAnIndependentReaderSeesIt) {
  LoadFiles(GeneratedData());
  ExpectAvroObjectsHoldTheTables();
  // Newest first, filtered by table.
  const json all = Get(Url("/v1/backups")).Json()["items"];
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0]["table"], "hired_employees");
  EXPECT_EQ(all[2]["table"], "departments");
  const json jobs = Get(Url("/v1/backups?table=jobs")).Json()["items"];
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_TRUE(jobs[0]["checksum"].get<std::string>().starts_with("sha256:"));
  EXPECT_EQ(Get(Url("/v1/backups?table=nope")).status, 400);
}

TEST_P(BackupTest, AvroObjectsHoldExactlyTheRealSampleAsAnIndependentReaderSeesIt) {
  const std::optional<DataSet> sample = RealSample();
  if (!sample) GTEST_SKIP() << kNoRealSample;
  LoadFiles(*sample);
  ExpectAvroObjectsHoldTheTables();
}

TEST_P(BackupTest, BackupChangeRestoreGivesBackTheSameTableAndReports) {
  LoadFiles(GeneratedData());
  const json hires_before = AllRows("hired_employees");
  const json departments_before = AllRows("departments");
  const std::string reports_before = Reports();
  const json hires_backup = Backup("hired_employees");
  const json departments_backup = Backup("departments");

  // Change both tables through the API: a renamed department, moved and new hires.
  ASSERT_EQ(UploadCsv("departments", "1,Renamed\n", "?on_conflict=update").status, 200);
  ASSERT_EQ(UploadCsv("hired_employees", "1,Moved,2021-01-01T00:00:00Z,3,3\n100000,New,2021-05-05T00:00:00Z,1,1\n",
                      "?on_conflict=update")
                .status,
            200);
  // And rows gone behind the service's back (as a bad manual fix would).
  database_->Execute("DELETE FROM hired_employees WHERE id > 1500");
  ASSERT_NE(AllRows("hired_employees"), hires_before);
  ASSERT_NE(Reports(), reports_before);

  const HttpResponse restored = Restore("hired_employees", hires_backup["backup_id"]);
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(restored.Json()["rows_restored"], hires_before.size());
  ASSERT_EQ(Restore("departments", departments_backup["backup_id"]).status, 200);

  EXPECT_EQ(AllRows("hired_employees"), hires_before);
  EXPECT_EQ(AllRows("departments"), departments_before);
  EXPECT_EQ(Reports(), reports_before);  // the counts were rebuilt and the report cache moved on
  ExpectCountsMatchRows();
  // A restored table takes loads again as usual.
  EXPECT_EQ(UploadCsv("hired_employees", "100001,After,2021-06-06T00:00:00Z,1,1\n").status, 201);
}

TEST_P(BackupTest, RestoringParentsThatHiresStillReferenceIsRefusedAndChangesNothing) {
  SeedCatalog();
  const json departments_backup = Backup("departments");  // departments 1..3
  ASSERT_EQ(UploadCsv("departments", "4,Support\n").status, 201);
  ASSERT_EQ(UploadCsv("hired_employees", "1,Ann,2021-01-01T00:00:00Z,4,1\n").status, 201);
  const json departments_before = AllRows("departments");

  const HttpResponse refused = Restore("departments", departments_backup["backup_id"]);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.Json()["detail"].get<std::string>().find("hire 1 references department 4"), std::string::npos)
      << refused.body;
  EXPECT_EQ(AllRows("departments"), departments_before);

  // Hires whose department is missing: the hires backup cannot come back while it is gone.
  const json hires_backup = Backup("hired_employees");
  database_->Execute("DELETE FROM hired_employees");
  database_->Execute("DELETE FROM departments WHERE id = 4");
  const HttpResponse orphans = Restore("hired_employees", hires_backup["backup_id"]);
  EXPECT_EQ(orphans.status, 409) << orphans.body;
  EXPECT_EQ(CountRows("hired_employees"), 0);
}

TEST_P(BackupTest, ACorruptOrTruncatedBackupIsRefusedWithAClearMessageAndTheTableIsUnchanged) {
  SeedCatalog();
  const json backup = Backup("departments");
  ASSERT_EQ(UploadCsv("departments", "9,Later\n").status, 201);
  const json before = AllRows("departments");
  const std::string path = PathOf(backup["location"]);
  const std::string original = ReadFile(path);

  std::filesystem::resize_file(path, original.size() / 2);  // cut short
  HttpResponse refused = Restore("departments", backup["backup_id"]);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_FALSE(refused.Json()["detail"].get<std::string>().empty());
  EXPECT_EQ(AllRows("departments"), before);

  std::string flipped = original;
  flipped[flipped.size() - 20] = static_cast<char>(flipped[flipped.size() - 20] ^ 0x55);  // inside the last block
  std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
  refused = Restore("departments", backup["backup_id"]);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(AllRows("departments"), before);

  std::filesystem::remove(path);
  refused = Restore("departments", backup["backup_id"]);
  EXPECT_EQ(refused.status, 422) << refused.body;  // the object is gone
  EXPECT_NE(refused.Json()["detail"].get<std::string>().find("missing"), std::string::npos) << refused.body;
  EXPECT_EQ(AllRows("departments"), before);
}

TEST_P(BackupTest, BadRestoreRequestsAreRefused) {
  SeedCatalog();
  const json backup = Backup("jobs");
  EXPECT_EQ(Restore("departments", backup["backup_id"]).status, 422);  // a jobs backup
  EXPECT_EQ(Restore("departments", "0123456789abcdef0123456789abcdef").status, 404);
  EXPECT_EQ(Post(Url("/v1/departments/restore"), "{}", "application/json").status, 400);
  EXPECT_EQ(Post(Url("/v1/departments/restore"), "backup_id=1", "text/plain").status, 415);
  EXPECT_EQ(Post(Url("/v1/nope/backups"), "", "application/json").status, 404);
}

TEST_P(BackupTest, UploadsAreArchivedByteForByteAndFailedOnesLeaveNothing) {
  const std::string csv = "1,Sales\n2,\"Research, \"\"R&D\"\"\"\n3,Legal\n";
  const HttpResponse uploaded = UploadCsv("departments", csv);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const json load = uploaded.Json();
  const std::string archive = load["archive"];
  EXPECT_NE(archive.find("/uploads/departments/"), std::string::npos) << archive;
  EXPECT_TRUE(archive.ends_with("/" + std::to_string(load["load_id"].get<long long>()) + ".csv")) << archive;
  EXPECT_EQ(ReadFile(PathOf(archive)), csv);
  EXPECT_EQ(Get(Url("/v1/loads/" + std::to_string(load["load_id"].get<long long>()))).Json()["archive"], archive);

  // Multipart: the file's bytes, not the form around them.
  const std::string jobs = GeneratedData().File("jobs");
  const HttpResponse file_upload = PostFile(Url("/v1/jobs/upload"), jobs);
  ASSERT_LT(file_upload.status, 300) << file_upload.body;
  EXPECT_EQ(ReadFile(PathOf(file_upload.Json()["archive"])), ReadFile(jobs));

  // A load that fails (here: nothing but a header) archives nothing.
  EXPECT_EQ(UploadCsv("jobs", "id,job\n").status, 422);
  size_t archived = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server_->objects_dir() + "/uploads")) {
    if (entry.is_regular_file()) ++archived;
  }
  EXPECT_EQ(archived, 2U);
}

TEST_P(BackupTest, TheCliBacksUpAndRestoresLikeTheApi) {
  SeedCatalog();
  const std::string storage = "file://" + server_->objects_dir();
  const CommandResult backup =
      RunMigrationApi({"backup", "jobs", "--database-url", database_->url(), "--storage-url", storage});
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  const json written = json::parse(backup.output);
  EXPECT_EQ(written["rows"], 3);
  ASSERT_EQ(UploadCsv("jobs", "4,Intern\n").status, 201);
  const CommandResult restore = RunMigrationApi(
      {"restore", "jobs", written["backup_id"], "--database-url", database_->url(), "--storage-url", storage});
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_EQ(json::parse(restore.output)["rows_restored"], 3);
  EXPECT_EQ(CountRows("jobs"), 3);
  const CommandResult unknown = RunMigrationApi({"restore", "jobs", "ffffffffffffffffffffffffffffffff",
                                                 "--database-url", database_->url(), "--storage-url", storage});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("no backup"), std::string::npos) << unknown.output;
}

MIGRATION_ON_BOTH_BACKENDS(BackupTest);

}  // namespace
}  // namespace migration::testing
