#include "db/hire_counts.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"

namespace migration::db {
namespace {

core::Row Hire(std::string_view when, int32_t department, int32_t job) {
  return core::Row{1, "A", *core::ParseRfc3339(when), department, job};
}

TEST(HireCountDeltasTest, CountsEachHireInItsUtcYearAndQuarter) {
  HireCountDeltas deltas;
  deltas.Add(Hire("2021-03-31T23:59:59Z", 1, 2), +1);
  deltas.Add(Hire("2021-03-31T23:00:00-02:00", 1, 2), +1);  // 2021-04-01T01:00Z: Q2
  deltas.Add(Hire("2020-12-31T23:59:59Z", 1, 2), +1);
  const std::vector<HireCountDelta> sorted = deltas.Sorted();
  ASSERT_EQ(sorted.size(), 2U);
  EXPECT_EQ(sorted[0].key, (HireCountKey{2020, 1, 2}));
  EXPECT_EQ(sorted[0].quarters, (std::array<int64_t, 4>{0, 0, 0, 1}));
  EXPECT_EQ(sorted[1].key, (HireCountKey{2021, 1, 2}));
  EXPECT_EQ(sorted[1].quarters, (std::array<int64_t, 4>{1, 1, 0, 0}));
}

TEST(HireCountDeltasTest, AnOverwriteThatCancelsOutLeavesNothingToWrite) {
  HireCountDeltas deltas;
  deltas.Add(Hire("2021-05-01T00:00:00Z", 1, 1), +1);
  deltas.Add(Hire("2021-05-01T00:00:00Z", 1, 1), -1);
  EXPECT_TRUE(deltas.Sorted().empty());
}

TEST(HireCountDeltasTest, MergeAddsAndSortedIsInKeyOrder) {
  HireCountDeltas a;
  HireCountDeltas b;
  a.Add(Hire("2021-05-01T00:00:00Z", 2, 1), +1);
  b.Add(Hire("2021-05-02T00:00:00Z", 2, 1), +1);
  b.Add(Hire("2021-01-02T00:00:00Z", 1, 9), +1);
  a.Merge(b);
  const std::vector<HireCountDelta> sorted = a.Sorted();
  ASSERT_EQ(sorted.size(), 2U);
  EXPECT_EQ(sorted[0].key, (HireCountKey{2021, 1, 9}));
  EXPECT_EQ(sorted[1].key, (HireCountKey{2021, 2, 1}));
  EXPECT_EQ(sorted[1].quarters[1], 2);
  a.Clear();
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace migration::db
