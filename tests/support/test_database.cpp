#include "support/test_database.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "core/time.hpp"

namespace migration::testing {
namespace {

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through `make test` (scripts/test-servers.sh), which "
                             "starts PostgreSQL 15");
  }
  return value;
}

// postgresql://user@host:port/olddb -> postgresql://user@host:port/newdb
std::string WithDatabase(const std::string& url, const std::string& name) {
  const size_t slash = url.rfind('/');
  const size_t query = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

using PgPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

PgPtr ConnectPg(const std::string& url) {
  PgPtr conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
  }
  return conn;
}

std::string PgScalar(const std::string& url, const std::string& sql) {
  PgPtr conn = ConnectPg(url);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error("SQL failed: " + sql + ": " + PQerrorMessage(conn.get()));
  }
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0) return PQgetvalue(result.get(), 0, 0);
  return {};
}

std::string SqliteScalar(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string message = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  sqlite3_busy_timeout(db.get(), 10000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error("SQL failed: " + sql + ": " + sqlite3_errmsg(db.get()));
  }
  std::string value;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    value = text ? reinterpret_cast<const char*>(text) : "";
  } else if (rc != SQLITE_DONE) {
    const std::string message = sqlite3_errmsg(db.get());
    sqlite3_finalize(stmt);
    throw std::runtime_error("SQL failed: " + sql + ": " + message);
  }
  sqlite3_finalize(stmt);
  return value;
}

}  // namespace

std::string BackendName(Backend backend) { return backend == Backend::kSqlite ? "SQLite" : "PostgreSQL"; }

TestDatabase::TestDatabase(Backend backend) : backend_(backend) {
  static std::atomic<int> counter{0};
  const int n = counter++;
  if (backend == Backend::kSqlite) {
    char dir_template[] = "/tmp/migration-api-test-db-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    sqlite_dir_ = dir_template;
    sqlite_path_ = sqlite_dir_ + "/test.db";
    url_ = "sqlite://" + sqlite_path_;
    return;
  }
  const std::string base_url = RequiredEnv("TEST_POSTGRES_URL");
  const std::string admin_url = RequiredEnv("TEST_POSTGRES_ADMIN_URL");
  pg_name_ = "it_" + std::to_string(::getpid()) + "_" + std::to_string(n);
  PgScalar(admin_url, "CREATE DATABASE " + pg_name_ + " OWNER migration");
  url_ = WithDatabase(base_url, pg_name_);
}

TestDatabase::~TestDatabase() {
  try {
    if (backend_ == Backend::kSqlite) {
      std::filesystem::remove_all(sqlite_dir_);
    } else if (!pg_name_.empty()) {
      PgScalar(RequiredEnv("TEST_POSTGRES_ADMIN_URL"), "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
    }
  } catch (const std::exception&) {
    // Best effort: the whole server is thrown away after the run anyway.
  }
}

long long TestDatabase::QueryInt(const std::string& sql) const {
  const std::string value = backend_ == Backend::kSqlite ? SqliteScalar(sqlite_path_, sql) : PgScalar(url_, sql);
  return value.empty() ? 0 : std::stoll(value);
}

void TestDatabase::Execute(const std::string& sql) const {
  if (backend_ == Backend::kSqlite) {
    SqliteScalar(sqlite_path_, sql);
  } else {
    PgScalar(url_, sql);
  }
}

core::Row NamedRow(int32_t id, std::string name) { return core::Row{id, std::move(name), 0, 0, 0}; }

core::Row HireRow(int32_t id, std::string_view when, int32_t department, int32_t job) {
  const auto at = core::ParseRfc3339(when);
  if (!at) throw std::invalid_argument("not an RFC 3339 time: " + std::string(when));
  return core::Row{id, "Hire " + std::to_string(id), *at, department, job};
}

db::WriteResult CommitRows(db::Database& db, core::Table table, const std::vector<core::Row>& rows, db::OnConflict mode,
                           bool all_or_nothing) {
  db::LoadRecord load;
  load.table = table;
  load.source = "batch";
  load.on_conflict = mode;
  load.started_us = core::NowMicros();
  load.host = "test-host";
  load.id = db.CreateLoad(load);
  auto tx = db.BeginLoad(load.id, db::LoadMode::kWrite);
  const db::WriteResult result = tx->WriteRows(table, rows, mode, all_or_nothing);
  load.status = db::LoadStatus::kSucceeded;
  load.counts.received = rows.size();
  load.counts.inserted = result.inserted;
  load.counts.updated = result.updated;
  load.finished_us = core::NowMicros();
  tx->Commit(load);
  return result;
}

}  // namespace migration::testing
