#pragma once
// GET /v1/{table}?format=csv: the whole table streamed in the upload format (extract/table_csv.hpp).
// This file only speaks HTTP: which format the client asked for, the parameters, the headers, and
// the producer the server streams the body from.

#include "api/api_context.hpp"
#include "http/request.hpp"

namespace migration::api {

// The client wants the table as CSV: ?format=csv, or no format and an Accept naming text/csv and
// not application/json. Throws core::Error(kBadRequest) for a format other than json or csv, and
// for a parameter that does not apply to the chosen format.
bool WantsTableCsv(const http::Request& request);

// 200 with the table streamed as text/csv (an attachment named {table}.csv); query `header`
// (true: a first line with the column names) and `after` (only rows with a greater id).
http::Response ExportTableCsv(ApiContext& context, const http::Request& request);

}  // namespace migration::api
