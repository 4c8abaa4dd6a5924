#pragma once
// Column lists of the three tables, shared by both backends' SQL builders. Both dialects agree
// on these names; only placeholders and types differ (kept in each backend).

#include <string>
#include <string_view>

#include "core/table.hpp"

namespace migration::db {

// "id, department" / "id, job" / "id, name, datetime, department_id, job_id"
std::string ColumnList(core::Table table);
// "department = excluded.department, ..." for every non-key column (ON CONFLICT DO UPDATE).
std::string UpdateFromExcluded(core::Table table);

}  // namespace migration::db
