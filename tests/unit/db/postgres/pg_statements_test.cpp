#include "db/postgres/pg_statements.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace migration::db::postgres {
namespace {

// A name is what an error, a log line or a metric says about a statement: it must point at one.
TEST(PgStatementsTest, EachNameStandsForOneStatement) {
  std::map<std::string, std::string> fixed;
  for (const PgStatement* statement : FixedPgStatements()) {
    EXPECT_FALSE(statement->sql.empty()) << statement->name;
    EXPECT_TRUE(fixed.emplace(statement->name, statement->sql).second)
        << "two fixed statements are named \"" << statement->name << "\"";
  }
  EXPECT_GE(fixed.size(), 40U) << "the list of fixed statements lost its members";
  for (const core::Table table : core::kAllTables) {
    std::set<std::string> names;
    for (const PgStatement* statement : TablePgStatements(table)) {
      EXPECT_FALSE(statement->sql.empty()) << statement->name;
      EXPECT_TRUE(names.insert(std::string(statement->name)).second)
          << core::TableName(table) << ": two statements are named \"" << statement->name << "\"";
      EXPECT_FALSE(fixed.contains(std::string(statement->name)))
          << "\"" << statement->name << "\" names a fixed statement and a table's";
      EXPECT_NE(statement->sql.find(core::TableName(table)), std::string::npos)
          << statement->name << " of " << core::TableName(table) << " does not name its table: " << statement->sql;
    }
  }
}

TEST(PgStatementsTest, InstantsAreReadAsMicrosecondsEverywhere) {
  // One expression turns a timestamptz into microseconds (pg_sql_values.hpp MicrosOf); a row
  // cursor reads every instant that way, so no statement may select one raw.
  const auto& hires = TableStatements(core::Table::kHiredEmployees);
  for (const PgStatement* statement : {&hires.list_rows, &hires.get_row, &hires.open_scan, &hires.lock_old}) {
    EXPECT_NE(statement->sql.find("(extract(epoch FROM "), std::string::npos) << statement->sql;
  }
  EXPECT_NE(pg_sql::kListLoads.sql.find("(extract(epoch FROM started_at)"), std::string::npos);
  EXPECT_NE(pg_sql::kGetBackup.sql.find("(extract(epoch FROM created_at)"), std::string::npos);
}

}  // namespace
}  // namespace migration::db::postgres
