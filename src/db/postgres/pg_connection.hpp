#pragma once
// RAII over libpq: one result (PgResult), text statement parameters (PgParams) and one connection
// (PgConnection). Every failure leaves here as a core::Error classified by pg_error.hpp.

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/postgres/pg_statements.hpp"

namespace migration::db::postgres {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult() { PQclear(result_); }
  PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int Rows() const { return PQntuples(result_); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string_view Text(int row, int column) const;
  int64_t Int(int row, int column) const;        // an integer column in text format
  std::string Bytes(int row, int column) const;  // a bytea column in text format, decoded
  uint64_t AffectedRows() const;                 // INSERT/UPDATE/DELETE/COPY row count
  PGresult* get() const { return result_; }

 private:
  PGresult* result_ = nullptr;
};

// One row of a result, as db/record_readers.hpp reads it. Instants arrive as microseconds: the
// SELECT renders them through MicrosOf (pg_sql_values.hpp).
class PgRow {
 public:
  PgRow(const PgResult& result, int row) : result_(result), row_(row) {}
  int64_t Int(int column) const { return result_.Int(row_, column); }
  std::string Text(int column) const { return std::string(result_.Text(row_, column)); }
  std::string Bytes(int column) const { return result_.Bytes(row_, column); }
  int64_t Instant(int column, std::string_view /*name*/) const { return result_.Int(row_, column); }
  bool IsNull(int column) const { return result_.IsNull(row_, column); }

 private:
  const PgResult& result_;
  int row_;
};

// Every row of `result` through `read` (one of db/record_readers.hpp's mappings).
template <typename Read>
auto ReadRows(const PgResult& result, Read read) {
  std::vector<decltype(read(PgRow(result, 0)))> out;
  out.reserve(static_cast<size_t>(result.Rows()));
  for (int i = 0; i < result.Rows(); ++i) out.push_back(read(PgRow(result, i)));
  return out;
}

// Parameters of one statement, sent in text format (PQexecParams): user values never become SQL.
class PgParams {
 public:
  PgParams& Add(std::string_view text);
  PgParams& Add(int64_t value);
  PgParams& AddNull();

  int Count() const { return static_cast<int>(values_.size()); }
  // Pointers for libpq; valid until the next Add.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

class PgConnection {
 public:
  // Connects with a libpq URI (PG* environment variables fill what it leaves out) and prepares the
  // session (UTC, ISO dates, UTF-8). Throws core::Error(kUnavailable) when it cannot connect; the
  // message never holds the password.
  explicit PgConnection(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs a statement of pg_statements.hpp (several in one, when it has no parameters); its name
  // names it in errors.
  PgResult Exec(const PgStatement& statement);
  PgResult Exec(const PgStatement& statement, const PgParams& params);

  // Throws the classified error of a failed statement (`result` may be null: libpq's own error).
  [[noreturn]] void ThrowError(std::string_view what, const PGresult* result) const;

  // The server closed or lost this connection: it can never be used again.
  bool IsBroken() const { return PQstatus(conn_) == CONNECTION_BAD; }
  // No transaction open and no command running: safe to hand to the next user.
  bool IsIdle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  // Cheap check before reuse: an idle connection the server has closed meanwhile (restart,
  // failover, pg_terminate_backend) has its goodbye waiting in the socket. No round trip.
  bool LooksAlive();

  PGconn* handle() const { return conn_; }

 private:
  PgResult Check(std::string_view what, PGresult* raw) const;

  PGconn* conn_ = nullptr;
};

}  // namespace migration::db::postgres
