#pragma once
// A stored row as a line of its table's upload CSV (DESIGN §2: the historical files' shape), so
// that what the export writes the upload reads back to the same row, byte for byte on the next
// export. The inverse of ingest/row_rules.cpp over ingest/csv/.

#include <string>
#include <string_view>

#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::extract {

// Appends `text` as one RFC 4180 field: quoted (quotes doubled) when it holds a comma, a quote, CR
// or LF, else as is. Nothing else changes: a value starting with = + - @ stays as it was. This is
// a data-transfer format whose promise is that an upload of it restores the same values; the
// spreadsheet-facing reports neutralise formulas (reports/report_format.hpp), this must not.
void AppendCsvField(std::string_view text, std::string& out);

// Appends `row` as its table's columns in CSV order, then "\n". The datetime is written as the
// historical files write it (`2021-11-07T02:48:42Z`, a fraction only when it is not zero), which
// the upload's reader parses back to the same instant.
void AppendCsvRow(core::Table table, const core::Row& row, std::string& out);

// Appends the table's column names as a header line ("id,name,datetime,department_id,job_id\n"),
// the line an upload with header=auto or header=present skips.
void AppendCsvHeader(core::Table table, std::string& out);

}  // namespace migration::extract
