#pragma once
// What the database returns for the reports: the maintained counts joined to the names. Order
// and arithmetic (mean, above-mean filter) are the reports module's job, identical on every backend.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace migration::db {

// One (department, job) pair with at least one hire in the year.
struct QuarterCountsRow {
  int32_t department_id = 0;
  std::string department;
  int32_t job_id = 0;
  std::string job;
  std::array<int64_t, 4> quarters{};  // Q1..Q4
};

// Every row of departments with its hires in the year (0 when none).
struct DepartmentHiresRow {
  int32_t id = 0;
  std::string department;
  int64_t hired = 0;
};

}  // namespace migration::db
