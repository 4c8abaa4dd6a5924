// One CSV file into one load, on both backends: what the upload route and the CLI's `load` share.
// The archive exists only for a committed load; an empty file and an upload that never reached
// its load are recorded as failed loads; a replayed upload records nothing.

#include "ingest/upload_pipeline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/file_object_store.hpp"
#include "support/test_database.hpp"

namespace migration::ingest {
namespace {

namespace fs = std::filesystem;
using ::migration::testing::Backend;
using ::migration::testing::TestDatabase;

// The file's bytes in pieces of `piece` bytes, as a source.
ByteSource Pieces(std::string text, size_t piece) {
  return [text = std::move(text), piece](const ByteSink& sink) {
    for (size_t at = 0; at < text.size(); at += piece) sink(std::string_view(text).substr(at, piece));
  };
}

class UploadPipelineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    db_ = db::OpenDatabase(test_db_->url(), db::DatabaseOptions{});
    db_->Migrate();
    archive_dir_ = fs::temp_directory_path() /
                   ("upload-pipeline-" + std::to_string(::getpid()) + "-" + std::to_string(core::NowMicros()));
    store_ = std::make_unique<storage::FileObjectStore>(archive_dir_);
  }
  void TearDown() override {
    db_.reset();
    test_db_.reset();
    fs::remove_all(archive_dir_);
  }

  CsvFileOptions Departments() const {
    CsvFileOptions options;
    options.load.table = core::Table::kDepartments;
    options.load.source = "upload";
    options.archive = store_.get();
    return options;
  }
  size_t ArchivedFiles() const {
    if (!fs::exists(archive_dir_)) return 0;
    size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(archive_dir_)) files += entry.is_regular_file() ? 1 : 0;
    return files;
  }
  db::LoadRecord OnlyLoad() {
    const auto loads = db_->ListLoads({0, 10});
    EXPECT_EQ(loads.size(), 1U);
    return loads.empty() ? db::LoadRecord{} : loads.front();
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<db::Database> db_;
  fs::path archive_dir_;
  std::unique_ptr<storage::FileObjectStore> store_;
};

TEST_P(UploadPipelineTest, AFileIsLoadedAndArchivedUnderItsDateAndLoadId) {
  CsvFileOptions options = Departments();
  int64_t started = 0;
  std::vector<uint64_t> progress;
  options.started = [&](int64_t id) { started = id; };
  options.progress = [&](uint64_t bytes, const db::LoadCounts&) { progress.push_back(bytes); };
  const std::string file = "id,department\n1,Sales\n2,Research\nx,Bad\n";
  const LoadResult result = LoadCsvFile(*db_, options, Pieces(file, 7));
  EXPECT_EQ(result.record.status, db::LoadStatus::kPartial);
  EXPECT_EQ(result.record.counts.inserted, 2U);
  EXPECT_EQ(result.record.counts.rejected, 1U);
  EXPECT_EQ(started, result.record.id);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), file.size());
  const std::string key = ArchiveKey(core::Table::kDepartments, result.record.id, core::NowMicros());
  EXPECT_EQ(store_->Get(key), file) << key;
  EXPECT_EQ(result.record.archive, store_->Location(key));
  EXPECT_EQ(ArchivedFiles(), 1U);
}

TEST_P(UploadPipelineTest, AFileWithoutDataRowsIsRefusedRecordedAsFailedAndNotArchived) {
  for (const std::string file : {"", "id,department\n"}) {
    try {
      LoadCsvFile(*db_, Departments(), Pieces(file, 4));
      ADD_FAILURE() << "accepted: \"" << file << "\"";
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kUnprocessable);
    }
  }
  const auto loads = db_->ListLoads({0, 10});
  ASSERT_EQ(loads.size(), 2U);
  for (const auto& load : loads) {
    EXPECT_EQ(load.status, db::LoadStatus::kFailed);
    EXPECT_EQ(load.error, "the file has no data rows");
  }
  EXPECT_EQ(ArchivedFiles(), 0U);
}

TEST_P(UploadPipelineTest, ALoadThatDoesNotCommitLeavesNoArchive) {
  // A source that fails half-way (a read error, a client gone): nothing committed, nothing archived.
  const ByteSource failing = [](const ByteSink& sink) {
    sink("id,department\n1,Sales\n");
    throw core::Error(core::ErrorCode::kUnavailable, "the object store stopped answering");
  };
  EXPECT_THROW(LoadCsvFile(*db_, Departments(), failing), core::Error);
  EXPECT_EQ(OnlyLoad().status, db::LoadStatus::kFailed);
  EXPECT_EQ(test_db_->QueryInt("SELECT count(*) FROM departments"), 0);
  EXPECT_EQ(ArchivedFiles(), 0U);
}

TEST_P(UploadPipelineTest, AnUploadIsSpooledThenLoadedAcrossManyPieces) {
  UploadPipeline upload(*db_, Departments(), "", 1 << 20);
  std::string file = "id,department\n";
  for (int id = 1; id <= 3000; ++id) file += std::to_string(id) + ",Department " + std::to_string(id) + "\n";
  for (size_t at = 0; at < file.size(); at += 1000) upload.Write(std::string_view(file).substr(at, 1000));
  const LoadResult result = upload.Load();
  EXPECT_EQ(result.record.counts.inserted, 3000U);
  EXPECT_EQ(test_db_->QueryInt("SELECT count(*) FROM departments"), 3000);
}

TEST_P(UploadPipelineTest, AnUploadThatNeverReachedItsLoadIsRecordedOnceAsFailed) {
  {
    UploadPipeline upload(*db_, Departments(), "", 1 << 20);
    upload.Write("id,department\n1,Sa");
    upload.Abort("the client closed the connection");
    upload.Abort("a second reason is ignored");
  }
  db::LoadRecord load = OnlyLoad();
  EXPECT_EQ(load.status, db::LoadStatus::kFailed);
  EXPECT_EQ(load.error, "the client closed the connection");
  { const UploadPipeline dropped(*db_, Departments(), "", 1 << 20); }
  EXPECT_EQ(db_->ListLoads({0, 10}).front().error, "the upload ended before its body was complete");
  {
    UploadPipeline replayed(*db_, Departments(), "", 1 << 20);
    replayed.Write("id,department\n1,Sales\n");
    replayed.Abandon();
  }
  EXPECT_EQ(db_->ListLoads({0, 10}).size(), 2U) << "an abandoned upload records nothing";
}

TEST_P(UploadPipelineTest, AnUploadOverItsLimitIsRefusedWhileItArrives) {
  UploadPipeline upload(*db_, Departments(), "", 32);
  upload.Write(std::string(32, 'x'));
  try {
    upload.Write("x");
    ADD_FAILURE() << "33 bytes accepted under a 32-byte limit";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kPayloadTooLarge);
  }
}

TEST(ArchiveKeyTest, IsTheTableTheUtcDateAndTheLoadId) {
  EXPECT_EQ(ArchiveKey(core::Table::kHiredEmployees, 42, *core::ParseRfc3339("2021-03-01T01:00:00+02:00")),
            "uploads/hired_employees/2021/02/28/42.csv");
  EXPECT_EQ(ArchiveKey(core::Table::kJobs, 7, *core::ParseRfc3339("2026-12-07T23:59:59Z")),
            "uploads/jobs/2026/12/07/7.csv");
}

std::string PipelineBackendName(const ::testing::TestParamInfo<Backend>& param) {
  return ::migration::testing::BackendName(param.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, UploadPipelineTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         PipelineBackendName);

}  // namespace
}  // namespace migration::ingest
