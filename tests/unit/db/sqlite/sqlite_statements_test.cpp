#include "db/sqlite/sqlite_statements.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "db/database.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "support/test_database.hpp"

namespace migration::db::sqlite {
namespace {

// A name is what an error or a log line says about a statement: it must point at one.
TEST(SqliteStatementsTest, EachNameStandsForOneStatement) {
  std::map<std::string, std::string> fixed;
  for (const SqliteStatement* statement : FixedSqliteStatements()) {
    EXPECT_FALSE(statement->sql.empty()) << statement->name;
    EXPECT_TRUE(fixed.emplace(statement->name, statement->sql).second)
        << "two fixed statements are named \"" << statement->name << "\"";
  }
  EXPECT_GE(fixed.size(), 30U) << "the list of fixed statements lost its members";
  for (const core::Table table : core::kAllTables) {
    std::set<std::string> names;
    for (const SqliteStatement* statement : TableSqliteStatements(table)) {
      EXPECT_TRUE(names.insert(std::string(statement->name)).second)
          << core::TableName(table) << ": two statements are named \"" << statement->name << "\"";
      EXPECT_FALSE(fixed.contains(std::string(statement->name)))
          << "\"" << statement->name << "\" names a fixed statement and a table's";
      EXPECT_NE(statement->sql.find(core::TableName(table)), std::string::npos)
          << statement->name << " does not name " << core::TableName(table) << ": " << statement->sql;
    }
  }
}

// Every statement prepares against the migrated schema (SQLite checks tables and columns when it
// prepares), so a typo fails here rather than in the one request that runs it.
TEST(SqliteStatementsTest, EveryStatementPreparesAgainstTheSchema) {
  const ::migration::testing::TestDatabase test_db(::migration::testing::Backend::kSqlite);
  OpenDatabase(test_db.url(), DatabaseOptions{})->Migrate();
  Connection conn(test_db.url().substr(std::string_view("sqlite://").size()));
  std::vector<const SqliteStatement*> all = FixedSqliteStatements();
  for (const core::Table table : core::kAllTables) {
    for (const SqliteStatement* statement : TableSqliteStatements(table)) all.push_back(statement);
  }
  int prepared = 0;
  for (const SqliteStatement* statement : all) {
    // The setup is several statements (sqlite3_exec runs them); the transaction statements need
    // their transaction. Both run in every test that opens a connection or loads anything.
    if (statement->sql.find(';') != std::string::npos || statement->sql.starts_with("ROLLBACK") ||
        statement->sql.starts_with("RELEASE") || statement->sql.starts_with("COMMIT")) {
      continue;
    }
    EXPECT_NO_THROW(Statement(conn.handle(), *statement)) << statement->name << ": " << statement->sql;
    ++prepared;
  }
  EXPECT_GE(prepared, 40);
}

}  // namespace
}  // namespace migration::db::sqlite
