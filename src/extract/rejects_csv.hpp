#pragma once
// A load's rejects as a file a person fixes in a spreadsheet and uploads again as is
// (GET /v1/loads/{id}/rejects?format=csv): a header line, then per reject the table's columns as
// the record was sent, its `line` (or `index`, for a JSON batch) and its `errors`. Uploaded with
// extra_columns=ignore (the header is then recognised and `line`, `errors` dropped), the fixed
// rows load; ingest/csv_input.hpp.
//
// Values stay as sent, a formula-leading one included: the promise is that the file loads back
// to the same values (as for the table export, csv_row.hpp). Only `line` and `errors` are ours,
// and neither ever starts with = + - @.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "db/database.hpp"

namespace migration::extract {

// Up to `limit` rejects of one load with seq > `after_seq`, in order.
using RejectPageReader = std::function<std::vector<db::StoredReject>(int64_t after_seq, int limit)>;

RejectPageReader RejectPagesOf(db::Database& db, int64_t load_id);

// "id,name,datetime,department_id,job_id,line,errors\n" (`index` for a batch's rejects).
void AppendRejectsCsvHeader(core::Table table, db::RejectLocator locator, std::string& out);

// One reject as a CSV line. The columns come from its kept record: a CSV line is split again
// (one that cannot be split, say an unclosed quote, goes whole into the first column); a JSON
// object gives each column's value (a string as is, anything else as JSON text). Missing columns
// are empty, fields past the table's columns are left out (the errors say how many there were).
void AppendRejectsCsvRecord(core::Table table, const db::StoredReject& stored, std::string& out);

class RejectsCsv {
 public:
  // Rejects per read: each keeps at most 4 KiB of its record and a bounded error list, so a page
  // stays within a few MiB.
  static constexpr int kPageRows = 500;

  // Reads the first page at once (a database that is down fails here, before any byte is sent).
  RejectsCsv(core::Table table, RejectPageReader read);

  // Appends whole lines to `out` until it holds at least `target` bytes or the rejects end. False
  // once they are exhausted and nothing was appended.
  bool Next(std::string& out, size_t target);

 private:
  void ReadPage();

  core::Table table_;
  RejectPageReader read_;
  std::vector<db::StoredReject> page_;
  size_t next_ = 0;
  int64_t after_ = 0;
  bool last_page_ = false;
  bool header_pending_ = true;
};

}  // namespace migration::extract
