#include "observability/process_stats.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

namespace migration::observability {
namespace {

TEST(ProcessStatsTest, ReadsPlausibleFiguresFromProc) {
  const auto stats = ReadProcessStats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_GT(stats->resident_bytes, 1024 * 1024);  // a test binary holds more than 1 MiB
  EXPECT_GE(stats->virtual_bytes, stats->resident_bytes);
  EXPECT_GE(stats->threads, 1);
  EXPECT_GE(stats->open_fds, 3);  // stdin, stdout, stderr
  EXPECT_GE(stats->cpu_seconds, 0);
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(stats->start_time_seconds, now + 1);
  EXPECT_GT(stats->start_time_seconds, now - 24 * 3600 * 365.0);
}

TEST(ProcessStatsTest, CountsNewlyOpenedDescriptors) {
  const int64_t before = ReadProcessStats()->open_fds;
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadProcessStats()->open_fds, before + 1);
  ::close(fd);
  EXPECT_EQ(ReadProcessStats()->open_fds, before);
}

}  // namespace
}  // namespace migration::observability
