#pragma once
// Bulk writes with COPY … FROM STDIN in PostgreSQL's text format: one line per row, fields
// separated by tabs, backslash escapes. COPY is what makes a million-row load take seconds: one
// statement, rows streamed in large buffers, no per-row round trip or parse.
//
// Lifecycle: start with CopyIn (the connection is then busy with the COPY), add fields and end
// each row, then Finish() before anything else runs on the connection. Destroying an unfinished
// CopyIn aborts the COPY, which fails the surrounding transaction.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/postgres/pg_connection.hpp"

namespace migration::db::postgres {

// Field writers, each appending the value and a tab; EndCopyRow turns the last tab into the newline.
void AppendCopyInt(std::string& out, int64_t value);
// Escapes \ tab LF CR. PostgreSQL text cannot hold a NUL byte: returns false (and appends nothing)
// when `text` contains one.
[[nodiscard]] bool AppendCopyText(std::string& out, std::string_view text);
// Arbitrary bytes as a bytea hex literal (`\\x…` once COPY-escaped).
void AppendCopyBytea(std::string& out, std::string_view bytes);
void EndCopyRow(std::string& out);
// The table's columns of `row`, in ColumnList order. Throws core::Error(kBadRequest) when its text
// holds a NUL character.
void AppendCopyRow(std::string& out, core::Table table, const core::Row& row);

class CopyIn {
 public:
  // Runs `copy` (`COPY t (cols) FROM STDIN`, from pg_statements.hpp); throws a classified core::Error.
  CopyIn(PgConnection& conn, const PgStatement& copy);
  ~CopyIn();
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;

  // The row being built; append with the functions above, then call EndRow().
  std::string& buffer() { return buffer_; }
  // Ends the row and sends the buffer once it holds enough to be worth a write.
  void EndRow();
  // Sends the rest and ends the COPY; returns the rows PostgreSQL stored.
  uint64_t Finish();

 private:
  void Send();

  PgConnection& conn_;
  std::string what_;
  std::string buffer_;
  bool open_ = false;
};

}  // namespace migration::db::postgres
