#include "db/postgres/pg_connection.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <array>
#include <charconv>
#include <utility>

#include "core/error.hpp"
#include "db/postgres/pg_error.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kSessionSetup = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'";

// libpq prints notices (e.g. "relation already exists, skipping") to stderr by default; the
// service's logs are structured, and none of these notices calls for action.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

std::string Scrub(std::string message, const char* password) {
  if (password == nullptr || *password == '\0') return message;
  const std::string_view secret(password);
  for (size_t pos = message.find(secret); pos != std::string::npos; pos = message.find(secret, pos)) {
    message.replace(pos, secret.size(), "***");
  }
  return message;
}

}  // namespace

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

std::string_view PgResult::Text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column))};
}

int64_t PgResult::Int(int row, int column) const {
  const std::string_view text = Text(row, column);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorCode::kInternal, fmt::format("the database returned a non-integer value where one was expected"));
  }
  return value;
}

std::string PgResult::Bytes(int row, int column) const {
  size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &size);
  if (bytes == nullptr) throw Error(ErrorCode::kInternal, "out of memory decoding a bytea value");
  std::string out(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return out;
}

uint64_t PgResult::AffectedRows() const {
  const std::string_view text = PQcmdTuples(result_);
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

PgParams& PgParams::Add(std::string_view text) {
  values_.emplace_back(text);
  nulls_.push_back(false);
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  values_.emplace_back(digits.data(), result.ptr);
  nulls_.push_back(false);
  return *this;
}

PgParams& PgParams::AddNull() {
  values_.emplace_back();
  nulls_.push_back(true);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> out(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) out[i] = nulls_[i] ? nullptr : values_[i].c_str();
  return out;
}

PgConnection::PgConnection(const std::string& url) {
  // Defaults first, then the URL (expand_dbname) overrides them; client_encoding comes last so
  // that nothing overrides it: COPY text and parameters are sent as UTF-8 bytes.
  // The keepalives notice a server that vanished without closing the socket (a failover) in
  // about a minute instead of the kernel's two hours.
  constexpr std::array<const char*, 8> kKeywords = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                                                    "keepalives_count", "fallback_application_name", "dbname",
                                                    "client_encoding", nullptr};
  const std::array<const char*, 8> values = {"10", "30", "10", "3", "migration-api", url.c_str(), "UTF8", nullptr};
  conn_ = PQconnectdbParams(kKeywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ == nullptr) throw Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = Scrub(PQerrorMessage(conn_), PQpass(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    // The message says which host and why (refused, authentication, unknown database): enough for
    // an operator, and libpq never puts the password in it (scrubbed anyway, in case).
    throw Error(ErrorCode::kUnavailable, fmt::format("cannot connect to PostgreSQL: {}; retry shortly", OneLine(message)));
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  try {
    Exec("session setup", std::string(kSessionSetup));
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

PgResult PgConnection::Exec(std::string_view what, const std::string& sql) {
  return Check(what, PQexec(conn_, sql.c_str()));
}

PgResult PgConnection::Exec(std::string_view what, const std::string& sql, const PgParams& params) {
  const std::vector<const char*> values = params.Pointers();
  return Check(what, PQexecParams(conn_, sql.c_str(), params.Count(), /*paramTypes=*/nullptr, values.data(),
                                  /*paramLengths=*/nullptr, /*paramFormats=*/nullptr, /*resultFormat=*/0));
}

PgResult PgConnection::Check(std::string_view what, PGresult* raw) const {
  PgResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) ThrowError(what, raw);
  return result;
}

void PgConnection::ThrowError(std::string_view what, const PGresult* result) const {
  auto field = [result](int code) -> std::string_view {
    const char* value = result == nullptr ? nullptr : PQresultErrorField(result, code);
    return value == nullptr ? std::string_view() : std::string_view(value);
  };
  std::string_view message = field(PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = result != nullptr ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  if (message.empty()) message = "the statement did not return the expected result";
  throw ClassifyPgError({.sqlstate = field(PG_DIAG_SQLSTATE),
                         .message = message,
                         .detail = field(PG_DIAG_MESSAGE_DETAIL),
                         .connection_lost = IsBroken()},
                        what);
}

bool PgConnection::LooksAlive() {
  if (IsBroken()) return false;
  // At most a message and then end-of-file can be pending; each pass consumes one of them.
  for (int pass = 0; pass < 3; ++pass) {
    pollfd descriptor{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    if (descriptor.fd < 0) return false;
    if (poll(&descriptor, 1, /*timeout=*/0) <= 0) return true;  // nothing pending: the usual case
    // Read it; a FATAL message becomes a notice (ignored), end of file marks the connection bad.
    if (PQconsumeInput(conn_) == 0) return false;
    PQisBusy(conn_);
    if (IsBroken()) return false;
  }
  return !IsBroken();
}

}  // namespace migration::db::postgres
