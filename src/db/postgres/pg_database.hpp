#pragma once
// The production backend: PostgreSQL through libpq. Bulk writes go through COPY … FROM STDIN
// inside the load's transaction; SQLSTATE classes are mapped to core::Error once, here.

#include <memory>
#include <string>

#include "db/database.hpp"

namespace migration::db::postgres {

// `url` is a libpq connection URI (postgresql://user:pass@host:port/db?sslmode=…). Parts left out
// fall back to libpq's PG* environment variables (PGHOST, PGPASSWORD, …), so production can keep
// the password out of the URL.
std::unique_ptr<Database> OpenPostgresDatabase(const std::string& url, const DatabaseOptions& options);

}  // namespace migration::db::postgres
