#include "db/table_sql.hpp"

#include <fmt/format.h>

namespace migration::db {

std::string ColumnList(core::Table table) {
  std::string out;
  for (const auto& column : core::SchemaOf(table).columns) {
    if (!out.empty()) out += ", ";
    out += column.name;
  }
  return out;
}

std::string UpdateFromExcluded(core::Table table) {
  std::string out;
  for (const auto& column : core::SchemaOf(table).columns) {
    if (column.name == "id") continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{0} = excluded.{0}", column.name);
  }
  return out;
}

}  // namespace migration::db
