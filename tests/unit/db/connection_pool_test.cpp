#include "db/connection_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <utility>

namespace migration::db {
namespace {

struct FakeConnection {
  int id;
};

ConnectionPool<FakeConnection> MakePool(int size, int* made) {
  return ConnectionPool<FakeConnection>([made] { return std::make_unique<FakeConnection>(FakeConnection{(*made)++}); },
                                        size, std::chrono::milliseconds(50));
}

TEST(ConnectionPoolTest, MovingALeaseReturnsTheConnectionExactlyOnce) {
  int made = 0;
  auto pool = MakePool(2, &made);
  {
    auto lease = pool.Acquire();
    auto moved = std::move(lease);
    auto moved_again = std::move(moved);
    EXPECT_EQ(pool.GetStats().in_use, 1u);
  }
  EXPECT_EQ(pool.GetStats().in_use, 0u);
  EXPECT_EQ(pool.GetStats().idle, 1u);
  // Both slots can still be taken.
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  EXPECT_EQ(made, 2);
}

TEST(ConnectionPoolTest, AcquireFailsAsUnavailableWhenEveryConnectionIsLeased) {
  int made = 0;
  auto pool = MakePool(1, &made);
  auto held = pool.Acquire();
  try {
    (void)pool.Acquire();
    FAIL() << "a second lease must time out";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
  }
}

TEST(ConnectionPoolTest, StatsCountLeasesWaitsAndTimeouts) {
  int made = 0;
  auto pool = MakePool(1, &made);
  EXPECT_EQ(pool.GetStats().capacity, 1u);
  {
    auto held = pool.Acquire();
    EXPECT_THROW((void)pool.Acquire(), core::Error);  // waits 50 ms, then gives up
    const auto stats = pool.GetStats();
    EXPECT_EQ(stats.in_use, 1u);
    EXPECT_EQ(stats.waiting, 0u);
    EXPECT_EQ(stats.acquires, 1u);
    EXPECT_EQ(stats.timeouts, 1u);
    EXPECT_GE(stats.wait_seconds, 0.04);
  }
  (void)pool.Acquire();
  EXPECT_EQ(pool.GetStats().acquires, 2u);
  EXPECT_EQ(pool.GetStats().idle, 1u);
}

TEST(ConnectionPoolTest, ABrokenConnectionIsDroppedAndReplaced) {
  int made = 0;
  auto pool = MakePool(1, &made);
  {
    auto lease = pool.Acquire();
    lease.MarkBroken();
  }
  auto lease = pool.Acquire();
  EXPECT_EQ(lease->id, 1);
}

}  // namespace
}  // namespace migration::db
