#include "reports/reports.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace migration::reports {

int ParseYear(std::string_view text) {
  int year = 0;
  bool digits = !text.empty() && text.size() <= 4;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    year = year * 10 + (c - '0');
  }
  if (!digits || year < 1900 || year > 2100) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      fmt::format("year must be a whole number from 1900 to 2100, got \"{}\"",
                                  text.substr(0, std::min<size_t>(text.size(), 40))));
  }
  return year;
}

HiresByQuarter BuildHiresByQuarter(db::Database& db, int year) {
  HiresByQuarter report;
  report.year = year;
  report.rows = db.HiresByQuarter(year);
  // std::string compares as unsigned bytes (char_traits<char>::compare is memcmp): UTF-8 byte order.
  std::sort(report.rows.begin(), report.rows.end(), [](const db::QuarterCountsRow& a, const db::QuarterCountsRow& b) {
    if (a.department != b.department) return a.department < b.department;
    if (a.job != b.job) return a.job < b.job;
    if (a.department_id != b.department_id) return a.department_id < b.department_id;
    return a.job_id < b.job_id;
  });
  return report;
}

DepartmentsAboveMean BuildDepartmentsAboveMean(db::Database& db, int year) {
  DepartmentsAboveMean report;
  report.year = year;
  const std::vector<db::DepartmentHiresRow> all = db.DepartmentHires(year);
  int64_t total = 0;
  for (const auto& row : all) total += row.hired;
  const auto departments = static_cast<int64_t>(all.size());
  report.mean = departments == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(departments);
  // hired > total / departments, compared exactly in integers.
  for (const auto& row : all) {
    if (row.hired * departments > total) report.rows.push_back(row);
  }
  std::sort(report.rows.begin(), report.rows.end(), [](const db::DepartmentHiresRow& a, const db::DepartmentHiresRow& b) {
    return a.hired != b.hired ? a.hired > b.hired : a.id < b.id;
  });
  return report;
}

}  // namespace migration::reports
