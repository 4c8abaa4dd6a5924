#include "db/postgres/pg_error.hpp"

#include <fmt/format.h>

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

bool IsUnavailable(std::string_view sqlstate) {
  return sqlstate.starts_with("08") ||  // connection exception
         sqlstate == "57P01" ||         // admin_shutdown
         sqlstate == "57P02" ||         // crash_shutdown
         sqlstate == "57P03" ||         // cannot_connect_now (starting up, recovering)
         sqlstate.starts_with("53") ||  // insufficient resources (disk full, out of memory, too many connections)
         sqlstate == "40001" ||         // serialization_failure
         sqlstate == "40P01" ||         // deadlock_detected
         sqlstate == "55P03" ||         // lock_not_available: lock_timeout passed (session setup)
         sqlstate == "57014";           // query_canceled: statement_timeout passed
}

std::string WithDetail(const PgErrorInfo& info) {
  std::string text = OneLine(info.message);
  if (!info.detail.empty()) text += fmt::format(" ({})", OneLine(info.detail));
  return text;
}

}  // namespace

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Error ClassifyPgError(const PgErrorInfo& info, std::string_view what) {
  const std::string_view state = info.sqlstate;
  // A connection that died mid-statement (no SQLSTATE when libpq made the error, or a FATAL such
  // as an idle-session timeout) leaves nothing to retry on it, but a new connection may work.
  if (IsUnavailable(state) || info.connection_lost) {
    return Error(ErrorCode::kUnavailable,
                 fmt::format("the database is unavailable ({}: {}); retry shortly", what, OneLine(info.message)));
  }
  if (state == "23505") {
    return Error(ErrorCode::kConflict, fmt::format("duplicate row in {}: {}", what, WithDetail(info)));
  }
  if (state == "23503") {
    return Error(ErrorCode::kConflict, fmt::format("unknown reference in {}: {}", what, WithDetail(info)));
  }
  if (state.starts_with("23")) {
    return Error(ErrorCode::kConflict, fmt::format("{} conflicts with stored data: {}", what, WithDetail(info)));
  }
  return Error(ErrorCode::kInternal, fmt::format("database error in {}: {}{}", what, WithDetail(info),
                                                 state.empty() ? "" : fmt::format(" [SQLSTATE {}]", state)));
}

}  // namespace migration::db::postgres
