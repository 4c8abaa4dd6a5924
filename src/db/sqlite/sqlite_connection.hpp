#pragma once
// Thin RAII wrappers over the SQLite C API: one connection, prepared statements, and the one
// place where SQLite result codes become core::Error codes.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "db/sqlite/sqlite_statements.hpp"

namespace migration::db::sqlite {

// Throws core::Error classified from `rc` (busy/locked/io → unavailable; constraint → conflict).
[[noreturn]] void ThrowSqliteError(sqlite3* db, int rc, std::string_view what);

class Statement {
 public:
  // Prepares a statement of sqlite_statements.hpp; its name names it in errors.
  Statement(sqlite3* db, const SqliteStatement& statement);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  bool Step();   // true: a row is ready; false: done
  void Run();    // Step() to completion, then Reset()
  void Reset();  // ready for new bindings

  // The current row's columns, as db/record_readers.hpp reads them.
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Bytes(int column) const { return Text(column); }  // text or blob, byte for byte
  // Microseconds since the epoch: loads and backups keep them as integers, hired_employees.datetime
  // as RFC 3339 text (corrupt text: kInternal naming `name`).
  int64_t Instant(int column, std::string_view name) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  std::string name_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement of sqlite_statements.hpp (several in one allowed, no parameters).
  void Exec(const SqliteStatement& statement);
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace migration::db::sqlite
