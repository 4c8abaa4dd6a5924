// A table as CSV from keyset pages: every row once and in order across many pages, each page read
// with the cursor of the last, each piece near its target (one line over at most), the header and
// `after` options, and the first page read before any piece is asked for.

#include "extract/table_csv.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "extract/csv_row.hpp"

namespace migration::extract {
namespace {

using core::Row;
using core::Table;

// A table of `count` departments with ids 2, 4, 6, ... (gaps, as deletes and rejects leave), read
// the way db::Database::ListRows reads it; it records each read.
struct FakeTable {
  explicit FakeTable(int count) {
    for (int i = 1; i <= count; ++i) {
      // Some long names, so pieces end mid-page and rows of unequal size cross piece boundaries.
      rows.push_back(Row{2 * i, i % 7 == 0 ? std::string(200, 'x') + ",\"" : "Dept " + std::to_string(i), 0, 0, 0});
    }
  }
  RowPageReader Reader() {
    return [this](int64_t after, int limit) {
      reads.emplace_back(after, limit);
      std::vector<Row> page;
      for (const Row& row : rows) {
        if (row.id > after && static_cast<int>(page.size()) < limit) page.push_back(row);
      }
      return page;
    };
  }
  std::string Expected(int64_t after = 0) const {
    std::string out;
    for (const Row& row : rows) {
      if (row.id > after) AppendCsvRow(Table::kDepartments, row, out);
    }
    return out;
  }
  std::vector<Row> rows;
  std::vector<std::pair<int64_t, int>> reads;
};

// Every piece of `csv` at `target` bytes each, checking each piece's bound.
std::string Drain(TableCsv& csv, size_t target, size_t max_line, int* pieces = nullptr) {
  std::string all;
  std::string piece;
  int count = 0;
  while (csv.Next(piece, target)) {
    EXPECT_FALSE(piece.empty());
    EXPECT_LT(piece.size(), target + max_line) << "piece " << count;
    EXPECT_EQ(piece.back(), '\n') << "piece " << count << " ends mid-line";
    all += piece;
    piece.clear();
    ++count;
  }
  EXPECT_TRUE(piece.empty());
  EXPECT_FALSE(csv.Next(piece, target)) << "asked again after the end";
  if (pieces != nullptr) *pieces = count;
  return all;
}

TEST(TableCsvTest, EveryRowOnceInOrderAcrossManyPagesAndPieces) {
  const int count = 3 * TableCsv::kPageRows + 17;
  FakeTable table(count);
  TableCsv csv(Table::kDepartments, table.Reader(), {});
  int pieces = 0;
  EXPECT_TRUE(Drain(csv, 4096, 256, &pieces) == table.Expected());
  EXPECT_EQ(csv.rows_written(), static_cast<uint64_t>(count));
  EXPECT_GT(pieces, 4);
  // Four reads: each from the last id of the one before, the last one short (so no fifth read).
  ASSERT_EQ(table.reads.size(), 4U);
  EXPECT_EQ(table.reads[0], std::make_pair(int64_t{0}, TableCsv::kPageRows));
  for (size_t i = 1; i < table.reads.size(); ++i) {
    EXPECT_EQ(table.reads[i].first, table.rows[i * TableCsv::kPageRows - 1].id);
    EXPECT_EQ(table.reads[i].second, TableCsv::kPageRows);
  }
}

TEST(TableCsvTest, AnExactMultipleOfThePageEndsWithOneEmptyRead) {
  FakeTable table(2 * TableCsv::kPageRows);
  TableCsv csv(Table::kDepartments, table.Reader(), {});
  EXPECT_TRUE(Drain(csv, 256 * 1024, 256) == table.Expected());
  EXPECT_EQ(table.reads.size(), 3U);
}

TEST(TableCsvTest, AnEmptyTableIsAnEmptyBodyAndTheHeaderAloneWhenAsked) {
  FakeTable empty(0);
  TableCsv csv(Table::kDepartments, empty.Reader(), {});
  std::string piece;
  EXPECT_FALSE(csv.Next(piece, 1024));
  EXPECT_TRUE(piece.empty());

  TableCsv with_header(Table::kDepartments, empty.Reader(), {true, 0});
  EXPECT_TRUE(with_header.Next(piece, 1024));
  EXPECT_EQ(piece, "id,department\n");
}

TEST(TableCsvTest, HeaderFirstAndAfterStartsPastThatId) {
  FakeTable table(50);
  TableCsv csv(Table::kDepartments, table.Reader(), {true, 31});
  EXPECT_EQ(Drain(csv, 100, 256), "id,department\n" + table.Expected(31));
  EXPECT_EQ(table.reads.front().first, 31);
}

TEST(TableCsvTest, TheFirstPageIsReadWhenConstructedSoItsFailureComesBeforeAnyPiece) {
  int reads = 0;
  const RowPageReader down = [&reads](int64_t, int) -> std::vector<Row> {
    ++reads;
    throw std::runtime_error("database unavailable");
  };
  EXPECT_THROW(TableCsv(Table::kJobs, down, {}), std::runtime_error);
  EXPECT_EQ(reads, 1);
}

}  // namespace
}  // namespace migration::extract
