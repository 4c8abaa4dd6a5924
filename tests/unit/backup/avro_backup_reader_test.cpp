// Tests of the Avro backup reader (src/backup/avro_backup_reader.hpp) on files that are not a
// complete backup of the table asked for: each must be refused with kUnprocessable and a message
// that says what is wrong, never crash, never read as fewer rows. Problems of the file's structure
// (everything but the bytes inside a block's compressed data) are refused before the sink sees a
// row; with the recorded SHA-256 given, so is every other change.

#include "backup/avro_backup_reader.hpp"

#include <avro.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "backup/avro_header.hpp"
#include "backup/avro_schema.hpp"
#include "core/error.hpp"
#include "unit/backup/avro_test_support.hpp"

namespace migration::backup {
namespace {

using testing::ContainerView;
using testing::GeneratedRows;
using testing::ReadBytes;
using testing::ScratchDir;
using testing::ViewContainer;
using testing::WriteBytes;
using testing::WriteRows;

struct Refusal {
  bool refused = false;
  core::ErrorCode code = core::ErrorCode::kInternal;
  std::string detail;
  size_t rows_delivered = 0;
};

Refusal TryRead(core::Table table, const std::filesystem::path& file, const AvroReadOptions& options = {}) {
  Refusal result;
  try {
    ReadAvroBackup(
        table, file, [&](const core::Row&) { ++result.rows_delivered; }, options);
  } catch (const core::Error& error) {
    result.refused = true;
    result.code = error.code();
    result.detail = error.detail();
  }
  return result;
}

// Refused as unprocessable, with `fragment` in the message and no row delivered.
void ExpectRefused(core::Table table, const std::filesystem::path& file, const std::string& fragment,
                   const AvroReadOptions& options = {}) {
  const Refusal result = TryRead(table, file, options);
  ASSERT_TRUE(result.refused) << "read " << result.rows_delivered << " rows; expected: " << fragment;
  EXPECT_EQ(result.code, core::ErrorCode::kUnprocessable) << result.detail;
  EXPECT_NE(result.detail.find(fragment), std::string::npos) << result.detail;
  EXPECT_EQ(result.rows_delivered, 0U) << result.detail;
}

// A hired_employees backup of several small blocks (~2.5 KB: the tests below try every offset).
struct Fixture {
  ScratchDir dir;
  std::filesystem::path file = dir.File("hires.avro");
  std::vector<core::Row> rows = GeneratedRows(core::Table::kHiredEmployees, 150);
  AvroFileSummary summary = WriteRows(core::Table::kHiredEmployees, file, rows, AvroWriterOptions{.block_bytes = 1024});
  std::string bytes = ReadBytes(file);
  ContainerView view = ViewContainer(bytes);
  std::filesystem::path Variant(const std::string& content) const {
    const auto path = dir.File("variant.avro");
    WriteBytes(path, content);
    return path;
  }
};

TEST(AvroBackupReader, FixtureReadsBack) {
  const Fixture fixture;
  ASSERT_GE(fixture.view.blocks.size(), 4U);
  const testing::ReadResult read = testing::ReadRows(core::Table::kHiredEmployees, fixture.file);
  EXPECT_EQ(read.rows, fixture.rows);
  EXPECT_EQ(read.summary, fixture.summary);
  AvroReadOptions options;
  options.expected_sha256_hex = fixture.summary.sha256_hex;
  EXPECT_EQ(testing::ReadRows(core::Table::kHiredEmployees, fixture.file, options).rows, fixture.rows);
}

TEST(AvroBackupReader, RefusesAnEmptyFileAndFilesThatAreNotAvro) {
  const Fixture fixture;
  ExpectRefused(core::Table::kJobs, fixture.Variant(""), "empty");
  ExpectRefused(core::Table::kJobs, fixture.Variant("1,Engineer\n2,Nurse\n"), "not an Avro object container file");
  ExpectRefused(core::Table::kJobs, fixture.Variant("Obj"), "cut short");
  ExpectRefused(core::Table::kJobs, fixture.Variant(std::string("Obj\x01", 4)), "cut short");
}

TEST(AvroBackupReader, AMissingFileIsAnInternalError) {
  const ScratchDir dir;
  const Refusal result = TryRead(core::Table::kJobs, dir.File("missing.avro"));
  EXPECT_TRUE(result.refused);
  EXPECT_EQ(result.code, core::ErrorCode::kInternal);
}

TEST(AvroBackupReader, RefusesABackupOfAnotherTable) {
  const ScratchDir dir;
  const auto departments = dir.File("departments.avro");
  WriteRows(core::Table::kDepartments, departments, GeneratedRows(core::Table::kDepartments, 3));
  ExpectRefused(core::Table::kJobs, departments, "holds rows of table departments");
  ExpectRefused(core::Table::kHiredEmployees, departments, "holds rows of table departments");
  const auto jobs = dir.File("jobs.avro");
  WriteRows(core::Table::kJobs, jobs, {});
  ExpectRefused(core::Table::kDepartments, jobs, "holds rows of table jobs");
}

// The same record name with other fields: each field is compared, not only the record's name.
TEST(AvroBackupReader, RefusesASchemaThatDiffersInAField) {
  const Fixture fixture;
  const std::string schema = AvroSchemaJson(core::Table::kHiredEmployees);
  const std::string millis = [&] {
    std::string text = schema;
    text.replace(text.find("timestamp-micros"), 16, "timestamp-millis");
    return text;
  }();
  AvroSync sync{};
  std::string bytes = EncodeAvroHeader(millis, "deflate", sync).bytes;
  bytes.replace(bytes.find(kAvroRowsUnfinished), kAvroRowsDigits, AvroRowsField(0));
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "field datetime has type");
}

TEST(AvroBackupReader, RefusesAnAvroFileThatIsNotOurBackup) {
  const ScratchDir dir;
  const auto file = dir.File("plain.avro");
  // Written by avro-c's own writer: a valid Avro file, but without our row count.
  avro_schema_t schema = nullptr;
  const std::string json = AvroSchemaJson(core::Table::kJobs);
  ASSERT_EQ(avro_schema_from_json_length(json.data(), json.size(), &schema), 0);
  avro_file_writer_t writer = nullptr;
  ASSERT_EQ(avro_file_writer_create_with_codec(file.c_str(), schema, &writer, "deflate", 0), 0) << avro_strerror();
  ASSERT_EQ(avro_file_writer_close(writer), 0);
  avro_schema_decref(schema);
  ExpectRefused(core::Table::kJobs, file, "not a migration-api backup");
}

TEST(AvroBackupReader, RefusesACodecItDoesNotRead) {
  const Fixture fixture;
  AvroSync sync{};
  std::string bytes = EncodeAvroHeader(AvroSchemaJson(core::Table::kJobs), "snappy", sync).bytes;
  bytes.replace(bytes.find(kAvroRowsUnfinished), kAvroRowsDigits, AvroRowsField(0));
  ExpectRefused(core::Table::kJobs, fixture.Variant(bytes), "codec \"snappy\"");
}

// Cut at every byte: in the header, inside a count or size, mid-block, inside and just before a
// sync marker, and exactly between two blocks (which only the header's row count reveals).
TEST(AvroBackupReader, RefusesTheFileCutAtEveryOffset) {
  const Fixture fixture;
  for (size_t size = 0; size < fixture.bytes.size(); ++size) {
    SCOPED_TRACE("cut to " + std::to_string(size) + " of " + std::to_string(fixture.bytes.size()) + " bytes");
    const Refusal result = TryRead(core::Table::kHiredEmployees, fixture.Variant(fixture.bytes.substr(0, size)));
    ASSERT_TRUE(result.refused);
    ASSERT_EQ(result.code, core::ErrorCode::kUnprocessable) << result.detail;
    ASSERT_EQ(result.rows_delivered, 0U) << result.detail;
  }
}

TEST(AvroBackupReader, SaysWhereTheFileWasCut) {
  const Fixture fixture;
  const ContainerView::Block& second = fixture.view.blocks.at(1);
  const std::string& bytes = fixture.bytes;
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, fixture.view.header_size - 3)),
                "inside the header sync marker");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, second.data_offset + 10)),
                "inside the data of block 2");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, second.sync_offset)),
                "inside the sync marker of block 2");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, second.sync_offset + 15)),
                "inside the sync marker of block 2");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, second.sync_offset + 16)),
                "its header records 150 rows");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes.substr(0, fixture.view.header_size)),
                "its header records 150 rows, its 0 blocks hold 0");
}

TEST(AvroBackupReader, RefusesAWrongSyncMarker) {
  const Fixture fixture;
  std::string bytes = fixture.bytes;
  bytes[fixture.view.blocks.at(2).sync_offset + 7] ^= 0x01;
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "sync marker after block 3");
}

TEST(AvroBackupReader, RefusesBytesAfterTheLastBlock) {
  const Fixture fixture;
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(fixture.bytes + std::string(1, '\x02')), "cut short");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(fixture.bytes + fixture.bytes), "claims");
}

TEST(AvroBackupReader, RefusesARowCountThatDisagreesWithTheBlocks) {
  const Fixture fixture;
  std::string bytes = fixture.bytes;
  bytes.replace(bytes.find(AvroRowsField(150)), kAvroRowsDigits, AvroRowsField(151));
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "its header records 151 rows");
  // Twenty digits beyond uint64_t (found by the fuzz target: it used to escape as std::out_of_range).
  bytes.replace(bytes.find(AvroRowsField(151)), kAvroRowsDigits, "99999999999999999999");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "is not a row count");
  bytes.replace(bytes.find("99999999999999999999"), kAvroRowsDigits, "0000000000000000015x");
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "is not a row count");
}

TEST(AvroBackupReader, RefusesImpossibleBlockHeaders) {
  const Fixture fixture;
  const size_t first = fixture.view.blocks.at(0).offset;
  const std::string head = fixture.bytes.substr(0, first);
  // Eleven continuation bytes: no Avro long is that long.
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(head + std::string(11, '\xff')), "not a valid Avro long");
  std::string huge = head;
  AppendAvroLong(huge, 10);
  AppendAvroLong(huge, int64_t{1} << 40);  // a terabyte block
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(huge), "claims 10 records in 1099511627776 bytes");
  std::string negative = head;
  AppendAvroLong(negative, -5);
  AppendAvroLong(negative, 100);
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(negative), "claims -5 records");
  std::string past_end = head;
  AppendAvroLong(past_end, 10);
  AppendAvroLong(past_end, 1000);
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(past_end + "short"), "cut short");
}

// Deflate data has no checksum: a damaged block is found when it no longer inflates or decodes,
// which can be after earlier blocks' rows were delivered (the reader's documented contract).
TEST(AvroBackupReader, RefusesABlockWhoseDataDoesNotInflate) {
  const Fixture fixture;
  const ContainerView::Block& third = fixture.view.blocks.at(2);
  std::string bytes = fixture.bytes;
  // 0xff starts a deflate block of the reserved type 3: never valid.
  bytes.replace(third.data_offset, static_cast<size_t>(third.size), static_cast<size_t>(third.size), '\xff');
  const Refusal result = TryRead(core::Table::kHiredEmployees, fixture.Variant(bytes));
  ASSERT_TRUE(result.refused);
  EXPECT_EQ(result.code, core::ErrorCode::kUnprocessable);
  EXPECT_NE(result.detail.find("cannot be decoded"), std::string::npos) << result.detail;
  const auto before = static_cast<size_t>(fixture.view.blocks[0].records + fixture.view.blocks[1].records);
  EXPECT_EQ(result.rows_delivered, before) << "rows of the intact blocks before it";
  // With the checksum recorded at backup time, the same file is refused before any row.
  AvroReadOptions options;
  options.expected_sha256_hex = fixture.summary.sha256_hex;
  ExpectRefused(core::Table::kHiredEmployees, fixture.Variant(bytes), "SHA-256", options);
}

// One flipped bit at every offset. With the recorded checksum every change is refused before any
// row; without it, none may crash, and whatever is refused is refused as unprocessable.
TEST(AvroBackupReader, FlippedBitsAnywhere) {
  const Fixture fixture;
  AvroReadOptions with_checksum;
  with_checksum.expected_sha256_hex = fixture.summary.sha256_hex;
  size_t refused_without_checksum = 0;
  for (size_t offset = 0; offset < fixture.bytes.size(); ++offset) {
    SCOPED_TRACE("bit flipped at byte " + std::to_string(offset));
    std::string bytes = fixture.bytes;
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << (offset % 8)));
    const auto file = fixture.Variant(bytes);
    const Refusal checked = TryRead(core::Table::kHiredEmployees, file, with_checksum);
    ASSERT_TRUE(checked.refused);
    ASSERT_EQ(checked.code, core::ErrorCode::kUnprocessable) << checked.detail;
    ASSERT_EQ(checked.rows_delivered, 0U) << checked.detail;
    const Refusal unchecked = TryRead(core::Table::kHiredEmployees, file);
    if (unchecked.refused) {
      ASSERT_EQ(unchecked.code, core::ErrorCode::kUnprocessable) << unchecked.detail;
      ++refused_without_checksum;
    }
  }
  // Everything outside the compressed data is structure and is checked; print how much was caught.
  std::printf("[   INFO   ] %zu of %zu single-bit changes refused without the checksum\n", refused_without_checksum,
              fixture.bytes.size());
}

}  // namespace
}  // namespace migration::backup
