// The ingest pipeline (CSV/JSON input -> Load -> database) on a real SQLite file, below HTTP.

#include "ingest/load.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/error.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/json_rows.hpp"

namespace migration::ingest {
namespace {

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/migration-load-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    db_ = db::OpenDatabase("sqlite://" + dir_ + "/test.db", db::DatabaseOptions{});
    db_->Migrate();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  LoadResult LoadCsv(core::Table table, std::string_view csv, HeaderMode header = HeaderMode::kAuto,
                     db::OnConflict on_conflict = db::OnConflict::kReject, size_t chunk = 7) {
    LoadOptions options;
    options.table = table;
    options.on_conflict = on_conflict;
    Load load(*db_, options);
    CsvInput input(load, table, header);
    // Small chunks: records and the header straddle chunk boundaries.
    for (size_t at = 0; at < csv.size(); at += chunk) input.Consume(csv.substr(at, chunk));
    input.Finish();
    return load.Finish();
  }

  LoadResult LoadJson(core::Table table, std::string_view json, bool atomic = false) {
    LoadOptions options;
    options.table = table;
    options.atomic = atomic;
    options.locator = db::RejectLocator::kIndex;
    Load load(*db_, options);
    JsonRows rows(json);
    rows.FeedTo(load, table);
    return load.Finish();
  }

  size_t CountRows(core::Table table) { return db_->ListRows(table, db::Page{0, 1000}).size(); }

  std::string dir_;
  std::unique_ptr<db::Database> db_;
};

TEST_F(LoadTest, HeaderLineIsDetectedCaseInsensitivelyAndCountsAsALine) {
  const LoadResult result = LoadCsv(core::Table::kDepartments, " ID , Department\n1,Sales\n2,\n");
  EXPECT_EQ(result.record.counts.received, 2u);
  EXPECT_EQ(result.record.counts.inserted, 1u);
  ASSERT_EQ(result.first_rejects.size(), 1u);
  EXPECT_EQ(result.first_rejects[0].reject.position, 3);  // physical line, header counted
}

TEST_F(LoadTest, HeaderModeOverridesDetection) {
  // "absent": a first line that looks like a header is data (and is rejected as such).
  const LoadResult absent = LoadCsv(core::Table::kJobs, "id,job\n1,Engineer\n", HeaderMode::kAbsent);
  EXPECT_EQ(absent.record.counts.received, 2u);
  EXPECT_EQ(absent.record.counts.rejected, 1u);
  // "present": the first line is skipped whatever it holds.
  const LoadResult present = LoadCsv(core::Table::kDepartments, "1,Not a header\n2,Sales\n", HeaderMode::kPresent);
  EXPECT_EQ(present.record.counts.received, 1u);
  EXPECT_EQ(CountRows(core::Table::kDepartments), 1u);
}

TEST_F(LoadTest, DuplicateWithinOneInputFollowsTheConflictPolicy) {
  const LoadResult rejected = LoadCsv(core::Table::kDepartments, "1,A\n1,B\n");
  EXPECT_EQ(rejected.record.counts.inserted, 1u);
  EXPECT_EQ(rejected.record.counts.rejected, 1u);
  EXPECT_EQ(rejected.first_rejects[0].reject.position, 2);

  const LoadResult updated =
      LoadCsv(core::Table::kDepartments, "2,First\n2,Second\n", HeaderMode::kAuto, db::OnConflict::kUpdate);
  EXPECT_EQ(updated.record.counts.rejected, 0u);
  const auto row = db_->GetRow(core::Table::kDepartments, 2);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->text, "Second");  // the last occurrence wins
}

TEST_F(LoadTest, ExtraColumnsAreRejectedUnlessIgnoredAndAHeaderMayCarryThem) {
  const std::string csv = "id,department,line,errors\n7,Sales,3,\"department: blank\"\n8,Ops\n9,\"Legal, Inc.\",,\n";
  // By default the header is not one (more fields than columns) and extra fields are rejects.
  const LoadResult strict = LoadCsv(core::Table::kDepartments, csv);
  EXPECT_EQ(strict.record.counts.received, 4u);
  EXPECT_EQ(strict.record.counts.inserted, 1u);  // only "8,Ops"
  LoadOptions options;
  options.table = core::Table::kDepartments;
  options.on_conflict = db::OnConflict::kUpdate;
  Load load(*db_, options);
  CsvInput input(load, core::Table::kDepartments, HeaderMode::kAuto, ExtraColumns::kIgnore);
  input.Consume(csv);
  input.Finish();
  const LoadResult lenient = load.Finish();
  EXPECT_EQ(lenient.record.counts.received, 3u) << "the header line starts with the column names";
  EXPECT_EQ(lenient.record.counts.rejected, 0u);
  EXPECT_EQ(db_->GetRow(core::Table::kDepartments, 7)->text, "Sales");
  EXPECT_EQ(db_->GetRow(core::Table::kDepartments, 9)->text, "Legal, Inc.");
  // Too few fields stay an error either way.
  EXPECT_FALSE(IsHeaderRecord(core::Table::kDepartments, {"id"}, ExtraColumns::kIgnore));
  EXPECT_FALSE(IsHeaderRecord(core::Table::kDepartments, {"id", "department", "x"}));
  EXPECT_TRUE(IsHeaderRecord(core::Table::kDepartments, {" ID", "Department ", "x"}, ExtraColumns::kIgnore));
  EXPECT_FALSE(IsHeaderRecord(core::Table::kDepartments, {"x", "id", "department"}, ExtraColumns::kIgnore));
}

TEST_F(LoadTest, FlushesInBatchesWithoutLosingOrder) {
  std::string csv;
  for (int id = 1; id <= 45000; ++id) csv += std::to_string(id) + ",D" + std::to_string(id) + "\n";
  csv += "0,Zero\n";
  const LoadResult result = LoadCsv(core::Table::kDepartments, csv, HeaderMode::kAuto, db::OnConflict::kReject, 65536);
  EXPECT_EQ(result.record.counts.inserted, 45000u);
  EXPECT_EQ(result.record.counts.rejected, 1u);
  EXPECT_EQ(result.first_rejects[0].reject.position, 45001);
  EXPECT_EQ(result.record.status, db::LoadStatus::kPartial);
}

TEST_F(LoadTest, DestroyingAnUnfinishedLoadRollsBackAndRecordsItFailed) {
  int64_t load_id = 0;
  {
    LoadOptions options;
    options.table = core::Table::kDepartments;
    options.batch_rows = 2;  // make sure rows were already written inside the transaction
    Load load(*db_, options);
    load_id = load.id();
    CsvInput input(load, core::Table::kDepartments, HeaderMode::kAuto);
    input.Consume("1,A\n2,B\n3,C\n4,D\n5,E\n");
  }
  EXPECT_EQ(CountRows(core::Table::kDepartments), 0u);
  const auto load = db_->GetLoad(load_id);
  ASSERT_TRUE(load);
  EXPECT_EQ(load->status, db::LoadStatus::kFailed);
}

TEST_F(LoadTest, AtomicJsonBatchWithOneBadRowWritesNothing) {
  const LoadResult result =
      LoadJson(core::Table::kDepartments, R"([{"id":1,"department":"A"},{"id":2,"department":""}])", true);
  EXPECT_EQ(result.record.status, db::LoadStatus::kRejected);
  EXPECT_EQ(result.record.counts.inserted, 0u);
  EXPECT_EQ(CountRows(core::Table::kDepartments), 0u);
  ASSERT_EQ(result.first_rejects.size(), 1u);
  EXPECT_EQ(result.first_rejects[0].reject.position, 1);
}

TEST_F(LoadTest, JsonShapesAndTypesAreCheckedPerRow) {
  const LoadResult result = LoadJson(core::Table::kDepartments,
                                     R"({"rows": [{"id": 1, "department": "A"}, 7, {"id": true, "department": "B"},
                                                  {"id": 4, "department": null}]})");
  EXPECT_EQ(result.record.counts.inserted, 1u);
  ASSERT_EQ(result.first_rejects.size(), 3u);
  EXPECT_NE(result.first_rejects[0].reject.errors_json.find("not_an_object"), std::string::npos);
  EXPECT_NE(result.first_rejects[1].reject.errors_json.find("wrong_type"), std::string::npos);
  EXPECT_NE(result.first_rejects[2].reject.errors_json.find("missing"), std::string::npos);
}

// Re-loading a file whose ids all exist: every bulk write's conflicts become rejects. When they
// filled the reject queue, the queue used to flush from inside the flush that found them, write
// the same rows again, conflict again and never return. Small flushes cross the threshold often.
TEST_F(LoadTest, ReloadingExistingIdsRejectsEachOnceAcrossManyFlushes) {
  std::string csv;
  for (int id = 1; id <= 1000; ++id) csv += std::to_string(id) + ",Dept " + std::to_string(id) + "\n";
  auto load_with = [&](db::OnConflict on_conflict) {
    LoadOptions options;
    options.table = core::Table::kDepartments;
    options.on_conflict = on_conflict;
    options.batch_rows = 64;
    Load load(*db_, options);
    CsvInput input(load, core::Table::kDepartments, HeaderMode::kAbsent);
    input.Consume(csv);
    input.Finish();
    return load.Finish();
  };
  EXPECT_EQ(load_with(db::OnConflict::kReject).record.counts.inserted, 1000u);
  const LoadResult again = load_with(db::OnConflict::kReject);
  EXPECT_EQ(again.record.counts.inserted, 0u);
  EXPECT_EQ(again.record.counts.rejected, 1000u);
  EXPECT_EQ(db_->ListRejects(again.record.id, {0, 1000}).size(), 1000u);
  const auto rejects = db_->ListRejects(again.record.id, {0, 1000});
  for (size_t i = 0; i < rejects.size(); ++i) EXPECT_EQ(rejects[i].reject.position, static_cast<int64_t>(i + 1));
  EXPECT_EQ(load_with(db::OnConflict::kSkip).record.counts.skipped, 1000u);
  EXPECT_EQ(load_with(db::OnConflict::kUpdate).record.counts.updated, 1000u);
  EXPECT_EQ(CountRows(core::Table::kDepartments), 1000u);
}

// A reject keeps the first 4 KiB of its raw record and its full length; the queue is written out by
// bytes too, so fat rejects never pile up 20,000 deep.
TEST_F(LoadTest, AFatRejectKeepsABoundedPrefixAndItsFullLength) {
  const std::string fat = "1," + std::string(300000, 'x') + ",extra";
  const LoadResult result =
      LoadCsv(core::Table::kDepartments, fat + "\n2,Sales\n", HeaderMode::kAbsent, db::OnConflict::kReject, 65536);
  ASSERT_EQ(result.first_rejects.size(), 1u);
  const db::RejectRecord& reject = result.first_rejects[0].reject;
  EXPECT_EQ(reject.raw, fat.substr(0, kMaxRawBytes));
  EXPECT_EQ(reject.raw_length, static_cast<int64_t>(fat.size()));
  EXPECT_TRUE(reject.raw_truncated());
  EXPECT_EQ(result.record.counts.inserted, 1u);
}

TEST_F(LoadTest, MalformedJsonIsABadRequestNamingThePosition) {
  try {
    JsonRows rows(R"([{"id": 1,}])");
    FAIL() << "malformed JSON must throw";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
    EXPECT_NE(error.detail().find("column 11"), std::string::npos) << error.detail();
  }
  EXPECT_THROW(JsonRows("42"), core::Error);
  EXPECT_THROW(JsonRows(R"({"items": []})"), core::Error);
}

}  // namespace
}  // namespace migration::ingest
