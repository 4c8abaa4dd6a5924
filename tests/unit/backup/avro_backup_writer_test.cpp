// Tests of the Avro backup writer (src/backup/avro_backup_writer.hpp), each file checked three
// ways: read back with ReadAvroBackup, its framing parsed by the tests' own parser
// (avro_test_support.hpp), and its records printed by avrocat (Debian avro-bin), an independent
// Avro implementation, compared value by value with the rows written.

#include "backup/avro_backup_writer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "unit/backup/avro_test_support.hpp"

namespace migration::backup {
namespace {

using testing::ContainerView;
using testing::GeneratedRows;
using testing::MakeRow;
using testing::Quoted;
using testing::ReadBytes;
using testing::ReadRows;
using testing::RunCommand;
using testing::ScratchDir;
using testing::ViewContainer;
using testing::WriteRows;

constexpr int32_t kMinInt = std::numeric_limits<int32_t>::min();
constexpr int32_t kMaxInt = std::numeric_limits<int32_t>::max();
constexpr int64_t kSecond = 1'000'000;

// Values that break naive encoders: extremes, signs, multi-byte UTF-8, CSV and JSON specials.
std::vector<core::Row> AwkwardRows(core::Table table) {
  std::vector<core::Row> rows = {
      MakeRow(table, 1, "Engineering", 1'627'401'728 * kSecond, 1, 1),
      MakeRow(table, kMaxInt, "Ñandú Çağrı Łódź 日本語 😀", -1, kMaxInt, kMaxInt),
      MakeRow(table, kMinInt, "comma, \"quotes\" and 'single'\nnewline\r\nCRLF\ttab \\ backslash", 0, kMinInt, kMinInt),
      MakeRow(table, 0, "", -62'135'596'800 * kSecond, 0, 0),                                  // 0001-01-01T00:00:00Z
      MakeRow(table, -1, std::string(255, 'x'), 253'402'300'799 * kSecond + 999'999, -1, -1),  // 9999-12-31
      MakeRow(table, 42, "{\"json\": [1, 2]} </script> \u2028", std::numeric_limits<int64_t>::min(), 7, 8),
      MakeRow(table, 43, "a", std::numeric_limits<int64_t>::max(), 9, 10),
  };
  return rows;
}

// The rows avrocat prints for `file`, one JSON object per line, compared with `expected`.
void ExpectAvrocatReads(core::Table table, const std::filesystem::path& file, const std::vector<core::Row>& expected) {
  const testing::CommandResult result = RunCommand("avrocat " + Quoted(file));
  ASSERT_EQ(result.status, 0) << "avrocat failed (is avro-bin installed? scripts/install-deps.sh):\n"
                              << result.output.substr(0, 2000);
  const core::TableSchema& schema = core::SchemaOf(table);
  std::istringstream lines(result.output);
  std::string line;
  size_t index = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(index, expected.size()) << "avrocat printed more records than written: " << line;
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << line;
    ASSERT_EQ(record.size(), schema.columns.size()) << line;
    const core::Row& row = expected[index];
    for (const core::Column& column : schema.columns) {
      const std::string name(column.name);
      ASSERT_TRUE(record.contains(name)) << line;
      const nlohmann::json& value = record[name];
      switch (column.kind) {
        case core::ColumnKind::kId: EXPECT_EQ(value.get<int64_t>(), row.id) << line; break;
        case core::ColumnKind::kText: EXPECT_EQ(value.get<std::string>(), row.text) << line; break;
        case core::ColumnKind::kDatetime: EXPECT_EQ(value.get<int64_t>(), row.datetime_us) << line; break;
        case core::ColumnKind::kReference:
          EXPECT_EQ(value.get<int64_t>(), name == "department_id" ? row.department_id : row.job_id) << line;
          break;
      }
    }
    ++index;
  }
  EXPECT_EQ(index, expected.size()) << "avrocat printed fewer records than written";
}

// The header as another Avro reader sees it: our schema with its logical type, deflate, row count.
void ExpectHeader(core::Table table, const std::filesystem::path& file, size_t rows) {
  const ContainerView view = ViewContainer(ReadBytes(file));
  EXPECT_EQ(view.metadata.at("avro.codec"), "deflate");
  EXPECT_EQ(view.metadata.at("migration-api.rows"),
            std::string(20 - std::to_string(rows).size(), '0') + std::to_string(rows));
  const nlohmann::json schema = nlohmann::json::parse(view.metadata.at("avro.schema"));
  EXPECT_EQ(schema["type"], "record");
  EXPECT_EQ(schema["name"], std::string(core::TableName(table)));
  const core::TableSchema& expected = core::SchemaOf(table);
  ASSERT_EQ(schema["fields"].size(), expected.columns.size());
  for (size_t i = 0; i < expected.columns.size(); ++i) {
    EXPECT_EQ(schema["fields"][i]["name"], std::string(expected.columns[i].name));
    if (expected.columns[i].kind == core::ColumnKind::kDatetime) {
      EXPECT_EQ(schema["fields"][i]["type"],
                nlohmann::json::parse(R"({"type":"long","logicalType":"timestamp-micros"})"));
    }
  }
  int64_t records = 0;
  for (const ContainerView::Block& block : view.blocks) records += block.records;
  EXPECT_EQ(records, static_cast<int64_t>(rows));
}

void ExpectSummaryMatchesFile(const AvroFileSummary& summary, const std::filesystem::path& file, size_t rows) {
  EXPECT_EQ(summary.rows, rows);
  EXPECT_EQ(summary.bytes, std::filesystem::file_size(file));
  const testing::CommandResult sha = RunCommand("sha256sum " + Quoted(file));
  ASSERT_EQ(sha.status, 0) << sha.output;
  EXPECT_EQ(summary.sha256_hex, sha.output.substr(0, 64));
}

TEST(AvroBackupWriter, RoundTripsAwkwardValuesOfEveryTable) {
  for (const core::Table table : core::kAllTables) {
    SCOPED_TRACE(std::string(core::TableName(table)));
    ScratchDir dir;
    const auto file = dir.File("backup.avro");
    const std::vector<core::Row> rows = AwkwardRows(table);
    const AvroFileSummary written = WriteRows(table, file, rows);
    ExpectSummaryMatchesFile(written, file, rows.size());
    const testing::ReadResult read = ReadRows(table, file);
    EXPECT_EQ(read.rows, rows);
    EXPECT_EQ(read.summary, written);
    ExpectHeader(table, file, rows.size());
    ExpectAvrocatReads(table, file, rows);
  }
}

TEST(AvroBackupWriter, KeepsNulBytesInsideText) {
  ScratchDir dir;
  const auto file = dir.File("nul.avro");
  const std::vector<core::Row> rows = {MakeRow(core::Table::kJobs, 1, std::string("a\0b", 3)),
                                       MakeRow(core::Table::kJobs, 2, std::string(1, '\0'))};
  WriteRows(core::Table::kJobs, file, rows);
  EXPECT_EQ(ReadRows(core::Table::kJobs, file).rows, rows);
}

TEST(AvroBackupWriter, ZeroRowsIsAValidFileWithoutBlocks) {
  for (const core::Table table : core::kAllTables) {
    SCOPED_TRACE(std::string(core::TableName(table)));
    ScratchDir dir;
    const auto file = dir.File("empty.avro");
    const AvroFileSummary written = WriteRows(table, file, {});
    ExpectSummaryMatchesFile(written, file, 0);
    ExpectHeader(table, file, 0);
    EXPECT_TRUE(ViewContainer(ReadBytes(file)).blocks.empty());
    const testing::ReadResult read = ReadRows(table, file);
    EXPECT_TRUE(read.rows.empty());
    EXPECT_EQ(read.summary, written);
    ExpectAvrocatReads(table, file, {});
  }
}

TEST(AvroBackupWriter, ManyRowsSpanManyBlocksAndAvrocatReadsThemAll) {
  constexpr int kRows = 200'000;
  ScratchDir dir;
  const auto file = dir.File("hires.avro");
  const std::vector<core::Row> rows = GeneratedRows(core::Table::kHiredEmployees, kRows);
  const AvroFileSummary written = WriteRows(core::Table::kHiredEmployees, file, rows);
  ExpectSummaryMatchesFile(written, file, kRows);
  const ContainerView view = ViewContainer(ReadBytes(file));
  EXPECT_GT(view.blocks.size(), 50U) << "64 KiB blocks of ~45-byte rows";
  for (const ContainerView::Block& block : view.blocks) EXPECT_LT(block.size, 64 * 1024);  // deflated
  ExpectHeader(core::Table::kHiredEmployees, file, kRows);
  const testing::ReadResult read = ReadRows(core::Table::kHiredEmployees, file);
  EXPECT_EQ(read.rows, rows);
  ExpectAvrocatReads(core::Table::kHiredEmployees, file, rows);
}

TEST(AvroBackupWriter, BlockSizeIsAnOption) {
  ScratchDir dir;
  const auto file = dir.File("small-blocks.avro");
  const std::vector<core::Row> rows = GeneratedRows(core::Table::kDepartments, 1000);
  WriteRows(core::Table::kDepartments, file, rows, AvroWriterOptions{.block_bytes = 1024});
  EXPECT_GT(ViewContainer(ReadBytes(file)).blocks.size(), 20U);
  EXPECT_EQ(ReadRows(core::Table::kDepartments, file).rows, rows);
}

TEST(AvroBackupWriter, EachFileHasItsOwnSyncMarker) {
  ScratchDir dir;
  WriteRows(core::Table::kJobs, dir.File("a.avro"), GeneratedRows(core::Table::kJobs, 3));
  WriteRows(core::Table::kJobs, dir.File("b.avro"), GeneratedRows(core::Table::kJobs, 3));
  EXPECT_NE(ViewContainer(ReadBytes(dir.File("a.avro"))).sync, ViewContainer(ReadBytes(dir.File("b.avro"))).sync);
}

TEST(AvroBackupWriter, AnAbandonedWriterLeavesAFileTheReaderRefuses) {
  ScratchDir dir;
  const auto file = dir.File("abandoned.avro");
  {
    AvroBackupWriter writer(core::Table::kJobs, file);
    for (const core::Row& row : GeneratedRows(core::Table::kJobs, 5000)) writer.Add(row);
  }
  try {
    ReadRows(core::Table::kJobs, file);
    FAIL() << "an unfinished backup was read";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnprocessable);
    EXPECT_NE(error.detail().find("incomplete"), std::string::npos) << error.detail();
  }
}

TEST(AvroBackupWriter, UseAfterCloseAndUnwritablePathsAreErrors) {
  ScratchDir dir;
  AvroBackupWriter writer(core::Table::kJobs, dir.File("closed.avro"));
  writer.Close();
  EXPECT_THROW(writer.Add(MakeRow(core::Table::kJobs, 1, "x")), core::Error);
  EXPECT_THROW(writer.Close(), core::Error);
  try {
    AvroBackupWriter missing(core::Table::kJobs, dir.File("no-such-dir/x.avro"));
    FAIL() << "a writer opened a file in a directory that does not exist";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kInternal);
  }
}

// avro-c keeps its error text in a global buffer; the writer and reader serialize their avro-c
// calls (avro_c.hpp). Several backups at once must not disturb each other.
TEST(AvroBackupWriter, ConcurrentBackupsAndRestoresAreIndependent) {
  ScratchDir dir;
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const core::Table table = core::kAllTables[static_cast<size_t>(t) % core::kAllTables.size()];
      const auto file = dir.File("thread-" + std::to_string(t) + ".avro");
      std::vector<core::Row> rows = GeneratedRows(table, 20'000 + t);
      for (core::Row& row : rows) row.text += std::to_string(t);
      for (int round = 0; round < 3; ++round) {
        WriteRows(table, file, rows, AvroWriterOptions{.block_bytes = 4096});
        if (ReadRows(table, file).rows == rows) ++ok[static_cast<size_t>(t)];
        // An error path at the same time as the others' successes.
        try {
          ReadRows(table == core::Table::kJobs ? core::Table::kDepartments : core::Table::kJobs, file);
        } catch (const core::Error&) {
          ++ok[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(ok[static_cast<size_t>(t)], 6) << "thread " << t;
}

}  // namespace
}  // namespace migration::backup
