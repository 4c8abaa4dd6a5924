// Backups and restores through the Database interface and a file object store, on both backends:
// a backup restores to exactly the rows it was taken from; every refusal changes nothing; a backup
// that cannot be recorded leaves no object behind.

#include "backup/backups.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/file_object_store.hpp"
#include "support/test_database.hpp"

namespace migration::backup {
namespace {

namespace fs = std::filesystem;
using core::Row;
using core::Table;
using ::migration::testing::Backend;
using ::migration::testing::CommitRows;
using ::migration::testing::HireRow;
using ::migration::testing::NamedRow;
using ::migration::testing::TestDatabase;

core::ErrorCode CodeOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const core::Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "no core::Error thrown";
  return core::ErrorCode::kInternal;
}

class BackupsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    db_ = db::OpenDatabase(test_db_->url(), db::DatabaseOptions{});
    db_->Migrate();
    dir_ = fs::temp_directory_path() /
           ("backups-test-" + std::to_string(::getpid()) + "-" + std::to_string(core::NowMicros()));
    fs::create_directories(dir_ / "scratch");
    store_ = std::make_unique<storage::FileObjectStore>(dir_ / "objects");
    CommitRows(*db_, Table::kDepartments, {NamedRow(1, "Sales"), NamedRow(2, "Research"), NamedRow(3, "Legal")});
    CommitRows(*db_, Table::kJobs, {Row{1, "Engineer", 0, 0, 0}, Row{2, "Analyst", 0, 0, 0}});
  }
  void TearDown() override {
    db_.reset();
    test_db_.reset();
    fs::remove_all(dir_);
  }

  BackupTarget Target() { return {*db_, *store_, dir_ / "scratch"}; }
  std::vector<Row> Rows(Table table) {
    std::vector<Row> rows;
    db_->ScanTable(table, [&rows](std::span<const Row> chunk) { rows.insert(rows.end(), chunk.begin(), chunk.end()); });
    return rows;
  }
  size_t ScratchFiles() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_ / "scratch"), fs::directory_iterator()));
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<db::Database> db_;
  fs::path dir_;
  std::unique_ptr<storage::FileObjectStore> store_;
};

TEST_P(BackupsTest, ARestoreGivesBackExactlyTheRowsOfTheBackup) {
  CommitRows(*db_, Table::kHiredEmployees,
             {HireRow(1, "2021-01-05T10:00:00Z", 1, 1), HireRow(2, "2021-06-30T23:59:59.5Z", 2, 2),
              HireRow(3, "2021-12-31T22:00:00+05:00", 3, 1)});
  const std::vector<Row> before = Rows(Table::kHiredEmployees);
  const db::BackupRecord backup = CreateBackup(Target(), Table::kHiredEmployees);
  EXPECT_EQ(backup.rows, 3);
  EXPECT_TRUE(std::regex_match(backup.key, std::regex(R"(backups/hired_employees/\d{8}T\d{6}Z-[0-9a-f]{32}\.avro)")))
      << backup.key;
  EXPECT_EQ(static_cast<int64_t>(store_->Get(backup.key).size()), backup.bytes);
  ASSERT_TRUE(db_->GetBackup(backup.id).has_value());

  // Changed, added and deleted rows: the restore puts back the backup's rows, nothing else.
  CommitRows(*db_, Table::kHiredEmployees,
             {HireRow(1, "2022-02-02T00:00:00Z", 2, 2), HireRow(4, "2021-03-03T00:00:00Z", 1, 1)},
             db::OnConflict::kUpdate);
  const RestoreSummary restored = RestoreBackup(Target(), Table::kHiredEmployees, backup.id);
  EXPECT_EQ(restored.rows, 3U);
  const std::vector<Row> after = Rows(Table::kHiredEmployees);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].text, before[i].text);
    EXPECT_EQ(after[i].datetime_us, before[i].datetime_us) << after[i].id;
    EXPECT_EQ(after[i].department_id, before[i].department_id);
    EXPECT_EQ(after[i].job_id, before[i].job_id);
  }
  // The reports' counts follow the restored rows.
  int64_t hired_2021 = 0;
  for (const auto& row : db_->DepartmentHires(2021)) hired_2021 += row.hired;
  EXPECT_EQ(hired_2021, 3);
  EXPECT_EQ(ScratchFiles(), 0U) << "scratch files left behind";
}

TEST_P(BackupsTest, EveryRefusedRestoreChangesNothing) {
  const db::BackupRecord departments = CreateBackup(Target(), Table::kDepartments);
  CommitRows(*db_, Table::kDepartments, {NamedRow(9, "Ops")});
  const size_t rows = Rows(Table::kDepartments).size();

  EXPECT_EQ(CodeOf([&] { RestoreBackup(Target(), Table::kDepartments, std::string(32, 'a')); }),
            core::ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { RestoreBackup(Target(), Table::kJobs, departments.id); }), core::ErrorCode::kUnprocessable);
  // The object cut short: refused before any row reaches the table.
  const std::string bytes = store_->Get(departments.key);
  store_->Put(departments.key, bytes.substr(0, bytes.size() - 20));
  EXPECT_EQ(CodeOf([&] { RestoreBackup(Target(), Table::kDepartments, departments.id); }),
            core::ErrorCode::kUnprocessable);
  store_->Delete(departments.key);
  EXPECT_EQ(CodeOf([&] { RestoreBackup(Target(), Table::kDepartments, departments.id); }),
            core::ErrorCode::kUnprocessable);
  EXPECT_EQ(Rows(Table::kDepartments).size(), rows);
  EXPECT_EQ(ScratchFiles(), 0U);
}

TEST_P(BackupsTest, ARestoreThatWouldOrphanHiresIsAConflictAndChangesNothing) {
  // Taken before department 5 exists; a hire of department 5 comes after.
  const db::BackupRecord before_department_5 = CreateBackup(Target(), Table::kDepartments);
  CommitRows(*db_, Table::kDepartments, {NamedRow(5, "Newer")});
  CommitRows(*db_, Table::kHiredEmployees, {HireRow(1, "2021-01-01T00:00:00Z", 5, 1)});
  EXPECT_EQ(CodeOf([&] { RestoreBackup(Target(), Table::kDepartments, before_department_5.id); }),
            core::ErrorCode::kConflict);
  EXPECT_EQ(Rows(Table::kDepartments).size(), 4U);
  EXPECT_EQ(Rows(Table::kHiredEmployees).size(), 1U);
}

TEST(NewBackupIdTest, Is32RandomHexDigits) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const std::string id = NewBackupId();
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 200U);
}

std::string BackupsBackendName(const ::testing::TestParamInfo<Backend>& param) {
  return ::migration::testing::BackendName(param.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackupsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackupsBackendName);

}  // namespace
}  // namespace migration::backup
