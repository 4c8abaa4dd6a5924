#include "reports/reports.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

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
  // Rank the few distinct departments and jobs by (name, id) once, then sort the many rows by
  // those integer ranks. std::string compares as unsigned bytes (char_traits<char>::compare is
  // memcmp): UTF-8 byte order.
  const auto ranks = [&report](auto id_of, auto name_of) {
    std::vector<std::pair<const std::string*, int32_t>> named;
    std::unordered_map<int32_t, size_t> seen;
    for (const auto& row : report.rows) {
      if (seen.emplace(id_of(row), 0).second) named.emplace_back(&name_of(row), id_of(row));
    }
    std::sort(named.begin(), named.end(), [](const auto& a, const auto& b) {
      return *a.first != *b.first ? *a.first < *b.first : a.second < b.second;
    });
    for (size_t rank = 0; rank < named.size(); ++rank) seen[named[rank].second] = rank;
    return seen;
  };
  const auto department_rank = ranks([](const db::QuarterCountsRow& r) { return r.department_id; },
                                     [](const db::QuarterCountsRow& r) -> const std::string& { return r.department; });
  const auto job_rank = ranks([](const db::QuarterCountsRow& r) { return r.job_id; },
                              [](const db::QuarterCountsRow& r) -> const std::string& { return r.job; });
  std::vector<std::pair<uint64_t, size_t>> order(report.rows.size());
  for (size_t i = 0; i < report.rows.size(); ++i) {
    const auto& row = report.rows[i];
    order[i] = {(static_cast<uint64_t>(department_rank.at(row.department_id)) << 32) | job_rank.at(row.job_id), i};
  }
  std::sort(order.begin(), order.end());
  std::vector<db::QuarterCountsRow> sorted;
  sorted.reserve(order.size());
  for (const auto& [key, index] : order) sorted.push_back(std::move(report.rows[index]));
  report.rows = std::move(sorted);
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
  std::sort(report.rows.begin(), report.rows.end(),
            [](const db::DepartmentHiresRow& a, const db::DepartmentHiresRow& b) {
              return a.hired != b.hired ? a.hired > b.hired : a.id < b.id;
            });
  return report;
}

}  // namespace migration::reports
