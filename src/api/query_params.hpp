#pragma once
// Query parameters shared by several routes, each parsed once with a 400 that names it.

#include "core/table.hpp"
#include "db/database.hpp"
#include "http/request.hpp"
#include "ingest/csv_input.hpp"

namespace migration::api {

core::Table TableParam(const http::Request& request);  // {table} path parameter; 404 if unknown
db::Page PageParams(const http::Request& request);     // ?limit=1..1000 (default 100) &after=<int>
db::OnConflict OnConflictParam(const http::Request& request);
ingest::HeaderMode HeaderParam(const http::Request& request);
// ?extra_columns=reject|ignore (CSV): what to do with fields after the table's columns.
ingest::ExtraColumns ExtraColumnsParam(const http::Request& request);
bool BoolParam(const http::Request& request, std::string_view name, bool fallback);
int64_t IdParam(const http::Request& request, const std::string& name);  // positive integer path parameter; 404 if not

}  // namespace migration::api
