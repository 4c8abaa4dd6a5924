#include "http/body_pace.hpp"

#include <gtest/gtest.h>

namespace migration::http {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

TEST(BodyPaceTest, WithoutAMinimumRateTheIdleTimeoutAloneBounds) {
  const BodyPacing pacing{seconds(60), 0, seconds(60)};
  const auto now = steady_clock::now();
  const BodyPace pace{now - std::chrono::hours(5), 10};
  const BodyDeadline deadline = NextBodyDeadline(pacing, pace, now);
  EXPECT_EQ(deadline.at, now + seconds(60));
  EXPECT_FALSE(deadline.rate_bound);
}

TEST(BodyPaceTest, ABodyOnPaceGetsTheIdleTimeout) {
  const BodyPacing pacing{seconds(60), 4096, seconds(60)};
  const auto started = steady_clock::now();
  // 100 s in with 4096 * 100 bytes: due at started + 60 + 100 s, later than now + 60 s.
  const BodyDeadline deadline = NextBodyDeadline(pacing, {started, 4096 * 100}, started + seconds(100));
  EXPECT_EQ(deadline.at, started + seconds(160));
  EXPECT_FALSE(deadline.rate_bound);
  const BodyDeadline fast = NextBodyDeadline(pacing, {started, 4096 * 1000}, started + seconds(100));
  EXPECT_EQ(fast.at, started + seconds(160));
  EXPECT_FALSE(fast.rate_bound);
}

TEST(BodyPaceTest, ABodyFallingBehindIsDueOneWindowAfterWhatItsBytesEarned) {
  const BodyPacing pacing{seconds(60), 4096, seconds(60)};
  const auto started = steady_clock::now();
  // 40 s in with 4096 * 10 bytes: they earned 10 s, so the next bytes are due at 60 + 10 s.
  const BodyDeadline deadline = NextBodyDeadline(pacing, {started, 4096 * 10}, started + seconds(40));
  EXPECT_EQ(deadline.at, started + seconds(70));
  EXPECT_TRUE(deadline.rate_bound);
  // Past due already: the deadline is in the past, the read times out at once.
  const BodyDeadline late = NextBodyDeadline(pacing, {started, 0}, started + seconds(90));
  EXPECT_EQ(late.at, started + seconds(60));
  EXPECT_TRUE(late.rate_bound);
}

}  // namespace
}  // namespace migration::http
