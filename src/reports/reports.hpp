#pragma once
// The two reports the stakeholders asked for (DESIGN §5, "Reports, exactly"). The database gives
// the maintained counts; ordering and arithmetic happen here, once, so both backends answer byte
// for byte the same.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"

namespace migration::reports {

constexpr int kDefaultYear = 2021;

// Parses a `year` given by a person ("2021"); throws core::Error(kBadRequest) naming the rule.
int ParseYear(std::string_view text);

// Hires per (department, job) pair with at least one hire in `year`, split by UTC quarter,
// ordered by department name then job name (UTF-8 byte order), ids breaking ties.
struct HiresByQuarter {
  int year = kDefaultYear;
  std::vector<db::QuarterCountsRow> rows;
};
HiresByQuarter BuildHiresByQuarter(db::Database& db, int year);

// Departments that hired more than the mean in `year`; mean = hires in the year / number of
// rows of departments (departments without hires count as 0); ordered by hired desc, id asc.
struct DepartmentsAboveMean {
  int year = kDefaultYear;
  double mean = 0;
  std::vector<db::DepartmentHiresRow> rows;
};
DepartmentsAboveMean BuildDepartmentsAboveMean(db::Database& db, int year);

}  // namespace migration::reports
