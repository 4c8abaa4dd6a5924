#include "db/sqlite/sqlite_connection.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "db/stored_values.hpp"

namespace migration::db::sqlite {

using core::Error;
using core::ErrorCode;

void ThrowSqliteError(sqlite3* db, int rc, std::string_view what) {
  const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(ErrorCode::kUnavailable, fmt::format("the database is busy ({}); retry shortly", what));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      throw Error(ErrorCode::kUnavailable, fmt::format("the database cannot be written ({}: {})", what, message));
    case SQLITE_CONSTRAINT:
      throw Error(ErrorCode::kConflict, fmt::format("{} conflicts with stored data: {}", what, message));
    default: throw Error(ErrorCode::kInternal, fmt::format("database error in {}: {}", what, message));
  }
}

Statement::Statement(sqlite3* db, const SqliteStatement& statement) : db_(db), name_(statement.name) {
  const int rc = sqlite3_prepare_v3(db, statement.sql.data(), static_cast<int>(statement.sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) ThrowSqliteError(db, rc, fmt::format("prepare {}", name_));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: the statement outlives the caller's buffer only until Step(), but copying
  // keeps the wrapper safe to use with temporaries.
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  ThrowSqliteError(db_, rc, name_);
}

void Statement::Run() {
  while (Step()) {
  }
  Reset();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? std::string() : std::string(data, static_cast<size_t>(size));
}

int64_t Statement::Instant(int column, std::string_view name) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_INTEGER) return Int(column);
  return StoredInstant(Text(column), name);
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Connection::Connection(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  // NOMUTEX: a connection is used by one thread at a time (the pool guarantees it).
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::kUnavailable, fmt::format("cannot open SQLite database {}: {}", path, message));
  }
  Exec(sqlite_sql::kConnectionSetup);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::Exec(const SqliteStatement& statement) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, statement.sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    sqlite3_free(error);
    ThrowSqliteError(db_, rc, statement.name);
  }
}

}  // namespace migration::db::sqlite
