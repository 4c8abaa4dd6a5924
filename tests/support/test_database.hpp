#pragma once
// A fresh, empty database per test on either backend, and direct SQL access to it so tests can
// count what really landed without going through the server's own API.

#include <string>
#include <string_view>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/database.hpp"

namespace migration::testing {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(Backend backend);

class TestDatabase {
 public:
  // SQLite: a new file in a temporary directory. PostgreSQL: a new database on the server that
  // scripts/test-servers.sh started (TEST_POSTGRES_URL / TEST_POSTGRES_ADMIN_URL); throws when
  // those are not set, so a missing server fails the run instead of skipping it.
  explicit TestDatabase(Backend backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  Backend backend() const { return backend_; }

  // Runs a query that returns one integer (e.g. SELECT count(*) ...).
  long long QueryInt(const std::string& sql) const;
  // Runs a statement; returns nothing. Throws with the database's message on error.
  void Execute(const std::string& sql) const;

 private:
  Backend backend_;
  std::string url_;
  std::string sqlite_dir_;
  std::string sqlite_path_;
  std::string pg_name_;
};

// Rows for db-level tests: a department or job (id, name), and a hire named "Hire <id>" at `when`
// (RFC 3339).
core::Row NamedRow(int32_t id, std::string name);
core::Row HireRow(int32_t id, std::string_view when, int32_t department, int32_t job);

// One committed load of `rows` into `table` through the Database interface (no reader, no rules):
// how a db-level test puts rows in place. Returns the write's result.
db::WriteResult CommitRows(db::Database& db, core::Table table, const std::vector<core::Row>& rows,
                           db::OnConflict mode = db::OnConflict::kReject, bool all_or_nothing = false);

}  // namespace migration::testing
