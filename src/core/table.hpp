#pragma once
// The three tables of the migration and their columns, in CSV order (DESIGN §2).

#include <array>
#include <optional>
#include <span>
#include <string_view>

namespace migration::core {

enum class Table { kDepartments, kJobs, kHiredEmployees };

enum class ColumnKind { kId, kText, kDatetime, kReference };

struct Column {
  std::string_view name;
  ColumnKind kind;
};

struct TableSchema {
  Table table;
  std::string_view name;
  std::span<const Column> columns;
};

const TableSchema& SchemaOf(Table table);
std::optional<Table> TableFromName(std::string_view name);
std::string_view TableName(Table table);

// All tables in foreign-key order: parents first (the order of a historical load).
inline constexpr std::array<Table, 3> kAllTables = {Table::kDepartments, Table::kJobs, Table::kHiredEmployees};

}  // namespace migration::core
