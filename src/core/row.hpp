#pragma once
// One validated row of any of the three tables. A single flat shape keeps the database layer
// free of per-table types: `text` is departments.department, jobs.job or hired_employees.name;
// the hire-only fields are zero for the other tables.

#include <cstdint>
#include <string>

namespace migration::core {

struct Row {
  int32_t id = 0;
  std::string text;
  int64_t datetime_us = 0;  // hired_employees.datetime, microseconds since the Unix epoch, UTC
  int32_t department_id = 0;
  int32_t job_id = 0;

  bool operator==(const Row&) const = default;
};

}  // namespace migration::core
