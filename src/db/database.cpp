#include "db/database.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "db/postgres/pg_database.hpp"
#include "db/sqlite/sqlite_database.hpp"

namespace migration::db {

std::unique_ptr<Database> OpenDatabase(const std::string& url, const DatabaseOptions& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    const std::string path = url.substr(kSqlite.size());
    if (path.empty()) throw core::Error(core::ErrorCode::kBadRequest, "DATABASE_URL sqlite:// needs a file path");
    return sqlite::OpenSqliteDatabase(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return postgres::OpenPostgresDatabase(url, options);
  }
  throw core::Error(core::ErrorCode::kBadRequest,
                    "DATABASE_URL must start with sqlite:// or postgresql:// (got a URL with another scheme)");
}

}  // namespace migration::db
