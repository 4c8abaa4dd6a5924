// A load's rejects as a fixable CSV: each record's columns as sent (CSV split again, JSON by
// column), line or index, errors as text; records that cannot be split or were cut; every reject
// once and in order across many pages; and the file reads back through the upload's own reader
// with extra_columns=ignore.

#include "extract/rejects_csv.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/csv_input.hpp"
#include "ingest/record_buffer.hpp"

namespace migration::extract {
namespace {

using core::Table;

db::StoredReject Reject(int64_t seq, db::RejectLocator locator, int64_t position, std::string raw,
                        std::string errors_json, int64_t raw_length = -1) {
  const auto length = raw_length < 0 ? static_cast<int64_t>(raw.size()) : raw_length;
  return {seq, {locator, position, std::move(raw), std::move(errors_json), length}};
}

std::string Line(Table table, const db::StoredReject& reject) {
  std::string out;
  AppendRejectsCsvRecord(table, reject, out);
  return out;
}

constexpr const char* kBlankName = R"([{"field":"name","code":"blank","message":"name must not be blank"}])";

TEST(RejectsCsvTest, ACsvRecordKeepsItsFieldsAsSentThenLineAndErrors) {
  EXPECT_EQ(Line(Table::kHiredEmployees,
                 Reject(1, db::RejectLocator::kLine, 7, R"(4," ",2021-07-27T16:02:08Z,2,96)", kBlankName)),
            "4, ,2021-07-27T16:02:08Z,2,96,7,name: name must not be blank\n");
  // Quoted fields stay quoted where they must; =formula values stay as sent.
  EXPECT_EQ(Line(Table::kDepartments, Reject(1, db::RejectLocator::kLine, 2, R"(x,"Sales, ""EU""")",
                                             R"([{"field":"id","code":"not_integer","message":"id, bad"}])")),
            "x,\"Sales, \"\"EU\"\"\",2,\"id: id, bad\"\n");
  EXPECT_EQ(Line(Table::kDepartments, Reject(1, db::RejectLocator::kLine, 3, "=1+1", "[]")), "=1+1,,3,\n");
}

TEST(RejectsCsvTest, MissingFieldsAreEmptyAndExtraOnesLeftOut) {
  EXPECT_EQ(Line(Table::kHiredEmployees, Reject(1, db::RejectLocator::kLine, 5, "9,Ann", "[]")), "9,Ann,,,,5,\n");
  EXPECT_EQ(Line(Table::kDepartments, Reject(1, db::RejectLocator::kLine, 5, "9,Ann,x,y", "[]")), "9,Ann,5,\n");
}

TEST(RejectsCsvTest, ARecordThatCannotBeSplitGoesWholeIntoTheFirstColumn) {
  EXPECT_EQ(Line(Table::kDepartments, Reject(1, db::RejectLocator::kLine, 4, R"(1,"open)", "[]")),
            "\"1,\"\"open\",,4,\n");
}

TEST(RejectsCsvTest, ACutRecordSaysSo) {
  const std::string line = Line(Table::kDepartments, Reject(1, db::RejectLocator::kLine, 4, "1,abc", kBlankName, 5000));
  EXPECT_EQ(line, "1,abc,4,name: name must not be blank; record: only its first 5 of 5000 bytes were kept\n");
}

TEST(RejectsCsvTest, AJsonRecordGivesEachColumnsValueAsSent) {
  EXPECT_EQ(Line(Table::kHiredEmployees,
                 Reject(1, db::RejectLocator::kIndex, 0,
                        R"({"job_id":"3","id":12,"name":"A, B","datetime":null,"department_id":[1],"extra":1})", "[]")),
            "12,\"A, B\",,[1],3,0,\n");
  EXPECT_EQ(Line(Table::kDepartments, Reject(1, db::RejectLocator::kIndex, 1, "17", "[]")), "17,,1,\n");
}

TEST(RejectsCsvTest, EveryRejectOnceInOrderAcrossPagesAndTheFileReadsBackIgnoringTheExtraColumns) {
  const int count = 3 * RejectsCsv::kPageRows + 11;
  std::vector<db::StoredReject> all;
  for (int i = 1; i <= count; ++i) {
    all.push_back(
        Reject(i, db::RejectLocator::kLine, 2 * i, fmt::format("{},\"Dept {}, {}\"", i, i, i % 3), kBlankName));
  }
  std::vector<int64_t> reads;
  RejectsCsv csv(Table::kDepartments, [&](int64_t after, int limit) {
    reads.push_back(after);
    std::vector<db::StoredReject> page;
    for (const auto& r : all) {
      if (r.seq > after && static_cast<int>(page.size()) < limit) page.push_back(r);
    }
    return page;
  });
  std::string file;
  std::string piece;
  while (csv.Next(piece, 4096)) {
    EXPECT_EQ(piece.back(), '\n');
    file += piece;
    piece.clear();
  }
  EXPECT_EQ(reads, (std::vector<int64_t>{0, 500, 1000, 1500}));
  EXPECT_FALSE(csv.Next(piece, 4096)) << "asked again once done, it stays done";
  EXPECT_TRUE(piece.empty());
  EXPECT_EQ(file.rfind("id,department,line,errors\n", 0), 0U);

  ingest::RecordBuffer records;
  ingest::CsvInput input(records, Table::kDepartments, ingest::HeaderMode::kAuto, ingest::ExtraColumns::kIgnore);
  input.Consume(file);
  input.Finish();
  ASSERT_EQ(records.size(), static_cast<size_t>(count));
}

}  // namespace
}  // namespace migration::extract
