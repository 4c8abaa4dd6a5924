#include "core/table.hpp"

namespace migration::core {
namespace {

constexpr std::array<Column, 2> kDepartmentColumns = {{{"id", ColumnKind::kId}, {"department", ColumnKind::kText}}};
constexpr std::array<Column, 2> kJobColumns = {{{"id", ColumnKind::kId}, {"job", ColumnKind::kText}}};
constexpr std::array<Column, 5> kHireColumns = {{{"id", ColumnKind::kId},
                                                 {"name", ColumnKind::kText},
                                                 {"datetime", ColumnKind::kDatetime},
                                                 {"department_id", ColumnKind::kReference},
                                                 {"job_id", ColumnKind::kReference}}};

const std::array<TableSchema, 3> kSchemas = {{
    {Table::kDepartments, "departments", kDepartmentColumns},
    {Table::kJobs, "jobs", kJobColumns},
    {Table::kHiredEmployees, "hired_employees", kHireColumns},
}};

}  // namespace

const TableSchema& SchemaOf(Table table) { return kSchemas[static_cast<size_t>(table)]; }

std::optional<Table> TableFromName(std::string_view name) {
  for (const auto& schema : kSchemas) {
    if (schema.name == name) return schema.table;
  }
  return std::nullopt;
}

std::string_view TableName(Table table) { return SchemaOf(table).name; }

}  // namespace migration::core
