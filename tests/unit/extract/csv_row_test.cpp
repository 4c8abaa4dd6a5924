// Rows as upload CSV: quoting only where RFC 4180 needs it, values never altered, datetimes as the
// historical files write them; and every such line read back by the upload's own reader and rules
// (ingest/csv_input, ingest/row_rules) gives the same row.

#include "extract/csv_row.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/row_rules.hpp"

namespace migration::extract {
namespace {

using core::Row;
using core::Table;

std::string Line(Table table, const Row& row) {
  std::string out;
  AppendCsvRow(table, row, out);
  return out;
}

std::string Field(std::string_view text) {
  std::string out;
  AppendCsvField(text, out);
  return out;
}

// The upload's reading of CSV bytes: every record through the row rules; a reject fails the test.
class ReadBack final : public ingest::RecordSink {
 public:
  explicit ReadBack(Table table) : table_(table) {}
  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                 std::string_view raw) override {
    Row row;
    const auto errors = ingest::ValidateFields(table_, fields, row);
    EXPECT_TRUE(errors.empty()) << "line " << position << " rejected: " << raw << " (" << errors.front().message << ")";
    rows.push_back(row);
  }
  void AddReject(int64_t position, std::string_view raw, std::vector<ingest::FieldError>) override {
    ADD_FAILURE() << "line " << position << " could not be read: " << raw;
  }
  std::vector<Row> rows;

 private:
  Table table_;
};

std::vector<Row> Upload(Table table, const std::string& csv) {
  ReadBack back(table);
  ingest::CsvInput input(back, table, ingest::HeaderMode::kAuto);
  input.Consume(csv);
  input.Finish();
  return back.rows;
}

TEST(CsvRowTest, PlainTextIsWrittenAsIs) {
  EXPECT_EQ(Field("Sales"), "Sales");
  EXPECT_EQ(Field("  padded  "), "  padded  ");
  EXPECT_EQ(Field("Zoë Ångström ✓ 日本"), "Zoë Ångström ✓ 日本");
  EXPECT_EQ(Field("tab\there"), "tab\there");
}

TEST(CsvRowTest, CommaQuoteCrAndLfAreQuotedWithQuotesDoubled) {
  EXPECT_EQ(Field("R,D"), "\"R,D\"");
  EXPECT_EQ(Field("He said \"hi\""), "\"He said \"\"hi\"\"\"");
  EXPECT_EQ(Field("\""), "\"\"\"\"");
  EXPECT_EQ(Field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(Field("carriage\rreturn"), "\"carriage\rreturn\"");
  EXPECT_EQ(Field("crlf\r\n"), "\"crlf\r\n\"");
}

TEST(CsvRowTest, FormulaLeadingValuesAreNotNeutralised) {
  // A data-transfer format: the upload must get back exactly what was stored.
  EXPECT_EQ(Field("=SUM(A1)"), "=SUM(A1)");
  EXPECT_EQ(Field("+1"), "+1");
  EXPECT_EQ(Field("-x"), "-x");
  EXPECT_EQ(Field("@home"), "@home");
}

TEST(CsvRowTest, EachTableInItsCsvColumnOrder) {
  EXPECT_EQ(Line(Table::kDepartments, Row{7, "Sales", 0, 0, 0}), "7,Sales\n");
  EXPECT_EQ(Line(Table::kJobs, Row{2147483647, "Data, Eng", 0, 0, 0}), "2147483647,\"Data, Eng\"\n");
  const Row hire{4535, "Marcelo Gonzalez", *core::ParseRfc3339("2021-07-29T22:20:06Z"), 1, 2};
  EXPECT_EQ(Line(Table::kHiredEmployees, hire), "4535,Marcelo Gonzalez,2021-07-29T22:20:06Z,1,2\n");
}

TEST(CsvRowTest, DatetimeHasAFractionOnlyWhenItIsNotZero) {
  Row hire{1, "A", *core::ParseRfc3339("2021-11-07T02:48:42Z"), 1, 1};
  EXPECT_EQ(Line(Table::kHiredEmployees, hire), "1,A,2021-11-07T02:48:42Z,1,1\n");
  hire.datetime_us = *core::ParseRfc3339("2021-11-07T02:48:42.5Z");
  EXPECT_EQ(Line(Table::kHiredEmployees, hire), "1,A,2021-11-07T02:48:42.500000Z,1,1\n");
  hire.datetime_us = *core::ParseRfc3339("2021-11-07T04:48:42.000001+02:00");
  EXPECT_EQ(Line(Table::kHiredEmployees, hire), "1,A,2021-11-07T02:48:42.000001Z,1,1\n");
}

TEST(CsvRowTest, TheHeaderLineIsTheColumnNames) {
  std::string out;
  AppendCsvHeader(Table::kHiredEmployees, out);
  EXPECT_EQ(out, "id,name,datetime,department_id,job_id\n");
  out.clear();
  AppendCsvHeader(Table::kDepartments, out);
  EXPECT_EQ(out, "id,department\n");
}

TEST(CsvRowTest, WhatIsWrittenTheUploadReadsBackToTheSameRows) {
  const std::vector<std::string> names = {"Plain",
                                          "  leading and trailing  ",
                                          "comma, inside",
                                          "\"quoted\"",
                                          "\"",
                                          "quote \" middle",
                                          "line\nfeed",
                                          "carriage\rreturn",
                                          "crlf\r\nend",
                                          "\r\n",
                                          "Zoë Ångström ✓ 日本",
                                          "=cmd|' /C calc'!A0",
                                          "-1",
                                          "id",
                                          std::string(255, '"'),
                                          std::string(85, ',') + std::string(85, '\n') + std::string(85, '"')};
  std::vector<Row> rows;
  std::string csv;
  AppendCsvHeader(Table::kHiredEmployees, csv);  // header=auto skips it
  int32_t id = 1;
  for (const auto& name : names) {
    const int64_t at = *core::ParseRfc3339("2021-01-01T00:00:00Z") + id * 1'234'567'891;  // some with fractions
    rows.push_back(Row{id, name, at, id % 3 + 1, id % 5 + 1});
    AppendCsvRow(Table::kHiredEmployees, rows.back(), csv);
    ++id;
  }
  EXPECT_EQ(Upload(Table::kHiredEmployees, csv), rows);
  // And with no header line, as the historical files have it.
  EXPECT_EQ(Upload(Table::kHiredEmployees, csv.substr(csv.find('\n') + 1)), rows);
}

}  // namespace
}  // namespace migration::extract
