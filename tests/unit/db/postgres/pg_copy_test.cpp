#include "db/postgres/pg_copy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "unit/db/postgres/pg_test_fixture.hpp"

namespace migration::db::postgres {
namespace {

using namespace std::string_literals;

TEST(CopyTextTest, WritesFieldsSeparatedByTabsAndEndsRowsWithNewline) {
  std::string out;
  AppendCopyInt(out, 42);
  AppendCopyInt(out, -7);
  ASSERT_TRUE(AppendCopyText(out, "plain"));
  EndCopyRow(out);
  EXPECT_EQ(out, "42\t-7\tplain\n");
}

TEST(CopyTextTest, EscapesBackslashTabNewlineAndCarriageReturnOnly) {
  std::string out;
  ASSERT_TRUE(AppendCopyText(out, "a\\b\tc\nd\re 'q' \"dq\" ñ \\N \\."));
  EndCopyRow(out);
  EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re 'q' \"dq\" ñ \\\\N \\\\.\n");
}

TEST(CopyTextTest, RefusesNulWithoutWriting) {
  std::string out = "1\t";
  EXPECT_FALSE(AppendCopyText(out, "a\0b"s));
  EXPECT_EQ(out, "1\t");
}

TEST(CopyTextTest, WritesByteaAsEscapedHex) {
  std::string out;
  AppendCopyBytea(out, "\x00\xff\t\\A"s);
  AppendCopyBytea(out, "");
  EndCopyRow(out);
  EXPECT_EQ(out, "\\\\x00ff095c41\t\\\\x\n");
}

// The writer against the server: many buffers' worth of awkward text comes back byte for byte.
class CopyInTest : public testing::PgTest {};

TEST_F(CopyInTest, StreamsManyBuffersAndStoresEveryByte) {
  Sql("CREATE TABLE copy_target (n integer, t text, b bytea)");
  constexpr int kRows = 20'000;  // about 1.5 MB: several 256 KiB sends
  auto text_of = [](int n) { return "row " + std::to_string(n) + "\t\\tab\nline\r'\"é漢字 \\N"; };
  auto bytes_of = [](int n) { return std::string("\0\x01\xfe\xff\\x", 6) + std::to_string(n); };
  {
    CopyIn copy(*admin_, {"copy test", "COPY copy_target (n, t, b) FROM STDIN"});
    for (int n = 0; n < kRows; ++n) {
      AppendCopyInt(copy.buffer(), n);
      ASSERT_TRUE(AppendCopyText(copy.buffer(), text_of(n)));
      AppendCopyBytea(copy.buffer(), bytes_of(n));
      copy.EndRow();
    }
    EXPECT_EQ(copy.Finish(), static_cast<uint64_t>(kRows));
  }
  const PgResult result = Sql("SELECT n, t, b FROM copy_target ORDER BY n");
  ASSERT_EQ(result.Rows(), kRows);
  for (int n = 0; n < kRows; n += 997) {
    EXPECT_EQ(result.Int(n, 0), n);
    EXPECT_EQ(result.Text(n, 1), text_of(n));
    EXPECT_EQ(result.Bytes(n, 2), bytes_of(n));
  }
}

// Binary rows: the integers and the instant arrive as the values the reader parsed (microseconds
// around PostgreSQL's 2000 epoch, before 1970, at the RFC 3339 limits), text byte for byte.
TEST_F(CopyInTest, BinaryRowsStoreExactlyTheParsedValues) {
  Sql("CREATE TABLE hires_copy (pos integer, id integer, name text, datetime timestamptz, department_id integer, "
      "job_id integer)");
  const std::vector<int64_t> instants = {
      *core::ParseRfc3339("2021-07-27T16:02:08Z"),        *core::ParseRfc3339("2000-01-01T00:00:00Z"),
      *core::ParseRfc3339("1999-12-31T23:59:59.999999Z"), *core::ParseRfc3339("1969-07-20T20:17:40.5Z"),
      *core::ParseRfc3339("0001-01-01T00:00:00Z"),        *core::ParseRfc3339("9999-12-31T23:59:59.999999Z")};
  constexpr int kRows = 30'000;  // several 256 KiB sends
  auto row_of = [&](int n) {
    return core::Row{n + 1, "name " + std::to_string(n) + "\t\\N\n'é漢字", instants[n % instants.size()],
                     2147483647 - n, n % 7};
  };
  {
    CopyIn copy(
        *admin_,
        {"copy test", "COPY hires_copy (pos, id, name, datetime, department_id, job_id) FROM STDIN (FORMAT binary)"});
    for (int n = 0; n < kRows; ++n) {
      AppendBinaryCopyRow(copy.buffer(), core::Table::kHiredEmployees, row_of(n), n);
      copy.EndRow();
    }
    EXPECT_EQ(copy.Finish(), static_cast<uint64_t>(kRows));
  }
  const PgResult result = Sql(
      "SELECT pos, id, name, (extract(epoch FROM datetime) * 1000000)::bigint, department_id, job_id FROM hires_copy "
      "ORDER BY pos");
  ASSERT_EQ(result.Rows(), kRows);
  for (int n = 0; n < kRows; n += 331) {
    const core::Row want = row_of(n);
    EXPECT_EQ(result.Int(n, 0), n);
    EXPECT_EQ(result.Int(n, 1), want.id);
    EXPECT_EQ(result.Text(n, 2), want.text);
    EXPECT_EQ(result.Int(n, 3), want.datetime_us) << core::FormatRfc3339(want.datetime_us);
    EXPECT_EQ(result.Int(n, 4), want.department_id);
    EXPECT_EQ(result.Int(n, 5), want.job_id);
  }
  // Two columns (departments, jobs) without a position.
  Sql("CREATE TABLE departments_copy (id integer, department text)");
  {
    CopyIn copy(*admin_, {"copy test", "COPY departments_copy (id, department) FROM STDIN (FORMAT binary)"});
    AppendBinaryCopyRow(copy.buffer(), core::Table::kDepartments, core::Row{7, "", 0, 0, 0});
    copy.EndRow();
    EXPECT_EQ(copy.Finish(), 1U);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM departments_copy WHERE id = 7 AND department = ''"), 1);
}

TEST(BinaryCopyRowTest, TextWithANulCharacterIsRefusedNamingTheRow) {
  std::string out;
  try {
    AppendBinaryCopyRow(out, core::Table::kJobs, core::Row{12, std::string("a\0b", 3), 0, 0, 0});
    FAIL() << "a NUL was accepted";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
    EXPECT_NE(error.detail().find("jobs id 12"), std::string::npos) << error.detail();
  }
}

TEST_F(CopyInTest, AbandonedCopyLeavesTheConnectionUsable) {
  Sql("CREATE TABLE copy_target (n integer)");
  Sql("BEGIN");
  {
    CopyIn copy(*admin_, {"copy test", "COPY copy_target (n) FROM STDIN"});
    AppendCopyInt(copy.buffer(), 1);
    copy.EndRow();
  }                                // destroyed without Finish()
  EXPECT_FALSE(admin_->IsIdle());  // the transaction failed with the COPY
  Sql("ROLLBACK");
  EXPECT_EQ(Count("SELECT count(*) FROM copy_target"), 0);
}

TEST_F(CopyInTest, BadDataFailsAtFinishWithAClassifiedError) {
  Sql("CREATE TABLE copy_target (n integer PRIMARY KEY)");
  CopyIn copy(*admin_, {"copy test", "COPY copy_target (n) FROM STDIN"});
  for (int n : {1, 2, 1}) {
    AppendCopyInt(copy.buffer(), n);
    copy.EndRow();
  }
  try {
    copy.Finish();
    FAIL() << "a duplicate key must fail the COPY";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kConflict) << error.detail();
  }
  EXPECT_TRUE(admin_->IsIdle());
}

}  // namespace
}  // namespace migration::db::postgres
