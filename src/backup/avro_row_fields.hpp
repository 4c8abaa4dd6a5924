#pragma once
// Which core::Row member holds a column of kind kReference: the one place that maps the
// hired_employees reference columns by name (core::Row is one flat shape for every table).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/row.hpp"

namespace migration::backup {

inline int32_t core::Row::*AvroReferenceMember(std::string_view column) {
  if (column == "department_id") return &core::Row::department_id;
  if (column == "job_id") return &core::Row::job_id;
  throw core::Error(core::ErrorCode::kInternal, "no Row field for reference column " + std::string(column));
}

}  // namespace migration::backup
