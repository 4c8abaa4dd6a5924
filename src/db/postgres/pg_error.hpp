#pragma once
// The one place where PostgreSQL errors become core::Error codes, by SQLSTATE (Appendix A of the
// PostgreSQL manual). Callers above db/ only ever see the classified code and a sentence.

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace migration::db::postgres {

struct PgErrorInfo {
  std::string_view sqlstate;     // five characters, or empty when libpq made the error itself
  std::string_view message;      // primary message (or libpq's text)
  std::string_view detail;       // e.g. `Key (id)=(7) already exists.`; may be empty
  bool connection_lost = false;  // PQstatus() is CONNECTION_BAD after the failure
};

// Classifies an error of statement `what`:
//   08xxx, 57P01..57P03, 53xxx, 40001, 40P01, a lost connection -> kUnavailable (retry later)
//   23505 -> kConflict "duplicate …", 23503 -> kConflict "unknown reference …", other 23xxx -> kConflict
//   anything else -> kInternal
core::Error ClassifyPgError(const PgErrorInfo& info, std::string_view what);

// libpq's messages end in a newline and may span lines; a detail for people is one line.
std::string OneLine(std::string_view text);

}  // namespace migration::db::postgres
