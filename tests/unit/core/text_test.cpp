#include "core/text.hpp"

#include <gtest/gtest.h>

#include "core/host_name.hpp"

namespace migration::core {
namespace {

TEST(AsciiLowerTest, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: TEXT/CSV"), "content-type: text/csv");
  // Bytes >= 0x80 (here UTF-8 for "É") and digits stay as they are, whatever the locale.
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89 42"), "\xC3\x89t\xC3\x89 42");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(AsciiIEqualsTest, ComparesWithoutCaseAndNeedsEqualLengths) {
  EXPECT_TRUE(AsciiIEquals("Bearer ", "bEARER "));
  EXPECT_FALSE(AsciiIEquals("Bearer", "Bearer "));
  EXPECT_FALSE(AsciiIEquals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII, not folded
}

TEST(HostNameTest, IsTheSameNonEmptyNameEachTime) {
  const std::string name = HostName();
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(HostName(), name);  // loads and FailInterruptedLoads must agree
}

}  // namespace
}  // namespace migration::core
