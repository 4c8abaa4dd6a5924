#include "db/hire_counts.hpp"

#include <algorithm>

#include "core/time.hpp"

namespace migration::db {

void HireCountDeltas::Add(const core::Row& hire, int sign) {
  const core::YearQuarter when = core::UtcYearQuarter(hire.datetime_us);
  auto& quarters = deltas_[HireCountKey{when.year, hire.department_id, hire.job_id}];
  quarters[static_cast<size_t>(when.quarter - 1)] += sign;
}

void HireCountDeltas::Merge(const HireCountDeltas& other) {
  for (const auto& [key, quarters] : other.deltas_) {
    auto& mine = deltas_[key];
    for (size_t q = 0; q < 4; ++q) mine[q] += quarters[q];
  }
}

std::vector<HireCountDelta> HireCountDeltas::Sorted() const {
  std::vector<HireCountDelta> out;
  out.reserve(deltas_.size());
  for (const auto& [key, quarters] : deltas_) {
    if (quarters == std::array<int64_t, 4>{}) continue;
    out.push_back({key, quarters});
  }
  std::sort(out.begin(), out.end(), [](const HireCountDelta& a, const HireCountDelta& b) { return a.key < b.key; });
  return out;
}

}  // namespace migration::db
