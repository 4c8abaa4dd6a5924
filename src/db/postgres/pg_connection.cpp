#include "db/postgres/pg_connection.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <array>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "db/postgres/pg_app_role.hpp"
#include "db/postgres/pg_error.hpp"
#include "db/postgres/pg_login.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

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

// Defaults first, then the URL (expand_dbname) overrides them, then the login of a secret (when
// one is configured: it is the authority), and client_encoding comes last so that nothing
// overrides it: COPY text and parameters are sent as UTF-8 bytes. The keepalives notice a server
// that vanished without closing the socket (a failover) in about a minute instead of the kernel's
// two hours.
PGconn* ConnectOnce(const std::string& url, const PgLogin* login) {
  std::vector<const char*> keywords = {"connect_timeout",  "keepalives_idle",           "keepalives_interval",
                                       "keepalives_count", "fallback_application_name", "dbname"};
  std::vector<const char*> values = {"10", "30", "10", "3", "migration-api", url.c_str()};
  if (login != nullptr) {
    keywords.insert(keywords.end(), {"user", "password"});
    values.insert(values.end(), {login->user.c_str(), login->password.c_str()});
  }
  keywords.insert(keywords.end(), {"client_encoding", nullptr});
  values.insert(values.end(), {"UTF8", nullptr});
  return PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
}

// Makes the service's role match its login with the master login (pg_app_role.hpp), then
// connects as the service. One repair at a time: a pool's connections are refused together, and
// the first repair serves them all (each tries its own login again before repairing).
PGconn* RepairAndConnect(const std::string& url, const PgLogin& login, PgLoginSource& admin) {
  static std::mutex repair_mutex;
  const std::lock_guard repair(repair_mutex);
  PGconn* conn = ConnectOnce(url, &login);
  if (conn == nullptr || PQstatus(conn) == CONNECTION_OK || !IsLoginRefused(PQerrorMessage(conn))) return conn;
  PQfinish(conn);
  PgLogin admin_login = admin.Current();
  std::unique_ptr<PGconn, decltype(&PQfinish)> setup(ConnectOnce(url, &admin_login), &PQfinish);
  if (setup && PQstatus(setup.get()) != CONNECTION_OK && IsLoginRefused(PQerrorMessage(setup.get()))) {
    admin_login = admin.Refreshed();
    setup.reset(ConnectOnce(url, &admin_login));
  }
  if (!setup || PQstatus(setup.get()) != CONNECTION_OK) {
    const std::string why = setup ? PQerrorMessage(setup.get()) : "out of memory";
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot connect to PostgreSQL as the master user to set up the service's role: {}",
                            OneLine(Scrub(why, admin_login.password.c_str()))));
  }
  EnsureAppRole(setup.get(), login);
  setup.reset();
  return ConnectOnce(url, &login);
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
  unsigned char* bytes =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &size);
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
  const std::shared_ptr<PgLoginSource> source = LoginSource();
  std::optional<PgLogin> login;
  if (source) login = source->Current();
  conn_ = ConnectOnce(url, login ? &*login : nullptr);
  if (conn_ == nullptr) throw Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: out of memory");
  if (source && PQstatus(conn_) != CONNECTION_OK && IsLoginRefused(PQerrorMessage(conn_))) {
    // The password was rotated since the secret was read: read it again and retry once.
    PQfinish(conn_);
    login = source->Refreshed();
    conn_ = ConnectOnce(url, &*login);
    if (conn_ == nullptr) throw Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: out of memory");
    const std::shared_ptr<PgLoginSource> admin = AdminLoginSource();
    if (admin && PQstatus(conn_) != CONNECTION_OK && IsLoginRefused(PQerrorMessage(conn_))) {
      // Still refused: the role does not exist yet (a new cluster) or its password is not the
      // secret's (the secret was given a new one). The master login makes it match.
      PQfinish(conn_);
      conn_ = RepairAndConnect(url, *login, *admin);
      if (conn_ == nullptr) throw Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: out of memory");
    }
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = Scrub(PQerrorMessage(conn_), PQpass(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    // The message says which host and why (refused, authentication, unknown database): enough for
    // an operator, and libpq never puts the password in it (scrubbed anyway, in case).
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot connect to PostgreSQL: {}; retry shortly", OneLine(message)));
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  try {
    // Bounds every session (pg_statements.cpp says which and why).
    Exec(pg_sql::kSessionSetup);
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

PgResult PgConnection::Exec(const PgStatement& statement) {
  return Check(statement.name, PQexec(conn_, statement.sql.c_str()));
}

PgResult PgConnection::Exec(const PgStatement& statement, const PgParams& params) {
  const std::vector<const char*> values = params.Pointers();
  return Check(statement.name, PQexecParams(conn_, statement.sql.c_str(), params.Count(), /*paramTypes=*/nullptr,
                                            values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                                            /*resultFormat=*/0));
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
