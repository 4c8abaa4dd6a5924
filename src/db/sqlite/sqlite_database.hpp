#pragma once
// The embedded default backend: one SQLite file in WAL mode, a small pool of connections.

#include <memory>
#include <string>

#include "db/database.hpp"

namespace migration::db::sqlite {

std::unique_ptr<Database> OpenSqliteDatabase(const std::string& path, const DatabaseOptions& options);

}  // namespace migration::db::sqlite
