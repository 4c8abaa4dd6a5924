#pragma once
// Bulk writes with COPY … FROM STDIN. COPY is what makes a million-row load take seconds: one
// statement, rows streamed in large buffers, no per-row round trip. Two formats:
//  - text (one line per row, tab-separated fields, backslash escapes): the rejects, whose bytea and
//    JSON columns gain nothing from binary;
//  - binary (`… FROM STDIN (FORMAT binary)`): the table rows. Ids, references and the hire's
//    instant go as the integers the reader already parsed, so PostgreSQL parses no text for them;
//    its timestamptz text input was the most expensive part of a text COPY of hires.
//
// Lifecycle: start with CopyIn (the connection is then busy with the COPY), add fields and end
// each row, then Finish() before anything else runs on the connection. Destroying an unfinished
// CopyIn aborts the COPY, which fails the surrounding transaction.

#include <cstdint>
#include <optional>
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
// The table's columns of `row` as one binary COPY row, preceded by `position` (the staging table's
// pos column) when given. Throws core::Error(kBadRequest) when its text holds a NUL character.
void AppendBinaryCopyRow(std::string& out, core::Table table, const core::Row& row,
                         std::optional<int32_t> position = std::nullopt);

class CopyIn {
 public:
  // Runs `copy` (`COPY t (cols) FROM STDIN`, from pg_statements.hpp); throws a classified
  // core::Error. A statement ending in `(FORMAT binary)` takes binary rows (AppendBinaryCopyRow):
  // the stream's header and trailer are written here.
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
  bool binary_ = false;
  bool open_ = false;
};

}  // namespace migration::db::postgres
