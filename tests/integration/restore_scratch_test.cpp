// Issue 11, item 9: backups and restores stage their Avro file in a private file of the configured
// scratch folder (SCRATCH_DIR / --scratch-dir). Concurrent restores of one backup used to share
// /tmp/migration-restore-<backup_id>.avro and truncate each other's download; now each reads the
// bytes it checked, and nothing is left in the folder after a success or a failure.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

using nlohmann::json;

constexpr int kRows = 60000;  // an Avro file of a few hundred KiB: long enough for restores to overlap
constexpr int kConcurrentRestores = 4;

class RestoreScratchTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    char dir_template[] = "/tmp/migration-scratch-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    scratch_ = dir_template;
    server_ = std::make_unique<ServerProcess>(database_->url(), std::vector<std::string>{"--scratch-dir", scratch_});
  }
  void TearDown() override {
    ApiTest::TearDown();
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  // Every department's name holds its id, so a row restored from the wrong bytes shows.
  void LoadDepartments() {
    std::string csv;
    for (int id = 1; id <= kRows; ++id) csv += std::to_string(id) + ",Department " + std::to_string(id) + "\n";
    const HttpResponse response = UploadCsv("departments", csv);
    ASSERT_EQ(response.status, 201) << response.body;
  }
  json Backup() {
    const HttpResponse response = Post(Url("/v1/departments/backups"), "", "application/json");
    EXPECT_EQ(response.status, 201) << response.body;
    return response.Json();
  }
  HttpResponse Restore(const std::string& backup_id) {
    return Post(Url("/v1/departments/restore"), json{{"backup_id", backup_id}}.dump(), "application/json");
  }
  long long IntactRows() const {
    return database_->QueryInt("SELECT count(*) FROM departments WHERE department = 'Department ' || id");
  }
  std::vector<std::string> ScratchEntries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(scratch_)) names.push_back(entry.path().string());
    return names;
  }
  // The backup's object in the server's file:// store.
  std::string ObjectPath(const json& backup) const {
    const std::string location = backup["location"].get<std::string>();
    EXPECT_EQ(location.rfind("file://", 0), 0U) << location;
    return location.substr(7);
  }

  std::string scratch_;
};

TEST_P(RestoreScratchTest, ConcurrentRestoresOfOneBackupEachRestoreTheBackedUpRows) {
  LoadDepartments();
  const json backup = Backup();
  EXPECT_TRUE(ScratchEntries().empty());
  // Change the table so that only a correct restore gives the backed-up rows back.
  ASSERT_EQ(
      UploadCsv("departments", "1,Renamed\n" + std::to_string(kRows + 1) + ",Extra\n", "?on_conflict=update").status,
      200);  // one updated, one inserted: not "all rows inserted"

  std::vector<std::future<HttpResponse>> restores;
  for (int i = 0; i < kConcurrentRestores; ++i) {
    restores.push_back(std::async(std::launch::async, [&] { return Restore(backup["backup_id"]); }));
  }
  for (auto& restore : restores) {
    const HttpResponse response = restore.get();
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Json()["rows_restored"], kRows) << response.body;
  }
  EXPECT_EQ(CountRows("departments"), kRows);
  EXPECT_EQ(IntactRows(), kRows);
  EXPECT_TRUE(ScratchEntries().empty()) << ScratchEntries().front();
}

TEST_P(RestoreScratchTest, FailedRestoresLeaveNothingInTheScratchFolderAndTheTableUnchanged) {
  LoadDepartments();
  const json backup = Backup();
  const std::string object = ObjectPath(backup);
  {
    // One byte changed in the middle: the SHA-256 recorded with the backup no longer matches.
    std::fstream file(object, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(std::filesystem::file_size(object) / 2));
    file.put('\x5a');
  }
  const HttpResponse corrupt = Restore(backup["backup_id"]);
  EXPECT_EQ(corrupt.status, 422) << corrupt.body;
  EXPECT_TRUE(ScratchEntries().empty());

  std::filesystem::remove(object);
  const HttpResponse missing = Restore(backup["backup_id"]);
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_TRUE(ScratchEntries().empty());
  EXPECT_EQ(IntactRows(), kRows);
}

TEST_P(RestoreScratchTest, BackupsAndRestoresUseTheConfiguredScratchFolder) {
  ASSERT_EQ(UploadCsv("departments", "1,Department 1\n2,Department 2\n").status, 201);
  const json backup = Backup();
  // Without its scratch folder the server can neither write a backup nor stage a restore; it says
  // so, records no backup and changes no row.
  std::filesystem::remove_all(scratch_);
  const HttpResponse refused = Post(Url("/v1/departments/backups"), "", "application/json");
  EXPECT_EQ(refused.status, 500) << refused.body;
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM backups"), 1);
  const HttpResponse restore = Restore(backup["backup_id"]);
  EXPECT_EQ(restore.status, 500) << restore.body;
  EXPECT_EQ(IntactRows(), 2);
  std::filesystem::create_directory(scratch_);
  EXPECT_EQ(Restore(backup["backup_id"]).status, 200);
}

MIGRATION_ON_BOTH_BACKENDS(RestoreScratchTest);

}  // namespace
}  // namespace migration::testing
