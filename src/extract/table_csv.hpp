#pragma once
// A whole table as its upload CSV (csv_row.hpp), made piece by piece from keyset pages, so that
// exporting any number of rows holds one page and one piece in memory.
//
// Consistency: every page is its own short read. Nothing (no transaction, no pooled connection) is
// held between pieces, so a client that reads slowly holds nothing in the database. The price is
// that the export is not a snapshot: a row committed while it runs appears if its id is past the
// page being read, one updated after its page was read appears as it was. A table as of one
// instant is what a backup (backup/backups.hpp) is for.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/database.hpp"

namespace migration::extract {

// Up to `limit` rows with id > `after`, in id order.
using RowPageReader = std::function<std::vector<core::Row>(int64_t after, int limit)>;

// Pages of `table` from `db` (db::Database::ListRows, each its own read).
RowPageReader PagesOf(db::Database& db, core::Table table);

struct TableCsvOptions {
  bool header = false;  // a first line with the column names (the historical files have none)
  int64_t after = 0;    // only rows with a greater id: resumes an export that broke off after that row
};

class TableCsv {
 public:
  // Rows per read: large enough that a table of millions costs few round trips, small enough that
  // a page (at most ~300 bytes a row) stays near one piece of the response.
  static constexpr int kPageRows = 5000;

  // Reads the first page at once, so a database that is down fails here, while the caller can
  // still answer with an error status, rather than in the middle of the body.
  TableCsv(core::Table table, RowPageReader read, TableCsvOptions options);

  // Appends whole lines to `out` until it holds at least `target` bytes (one line over at most) or
  // the table ends. False once the table is exhausted and nothing was appended.
  bool Next(std::string& out, size_t target);

  uint64_t rows_written() const { return rows_written_; }

 private:
  void ReadPage();

  core::Table table_;
  RowPageReader read_;
  std::vector<core::Row> page_;
  size_t next_ = 0;         // the first row of page_ not written yet
  int64_t after_ = 0;       // the last id read
  bool last_page_ = false;  // page_ was short: no rows beyond it when it was read
  bool header_pending_ = false;
  uint64_t rows_written_ = 0;
};

}  // namespace migration::extract
