#pragma once
// Values as the PostgreSQL backend's statements spell them, shared by its files.

#include <string>
#include <string_view>
#include <vector>

#include "db/hire_counts.hpp"
#include "db/postgres/pg_connection.hpp"

namespace migration::db::postgres {

// Timestamps cross the interface as microseconds since the epoch. extract() returns numeric in
// PostgreSQL 14+, so this is exact; writing goes through RFC 3339 text (exact as well).
std::string MicrosOf(std::string_view column);

// Seven parameters, $1..$7, of parallel arrays: years, department ids, job ids, Q1..Q4 (one array
// literal each, "{1,2,3}"): one round trip for any number of count rows, read back with unnest().
PgParams HireCountArrays(const std::vector<HireCountDelta>& counts);

}  // namespace migration::db::postgres
