#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace migration::http {
namespace {

TEST(RequestIdTest, NewIdsAre32HexDigitsAndDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(RequestIdTest, AClientsIdIsAcceptedOnlyWhenShortAndPlain) {
  EXPECT_TRUE(AcceptableRequestId("a"));
  EXPECT_TRUE(AcceptableRequestId("trace-1.2_3"));
  EXPECT_TRUE(AcceptableRequestId(std::string(kMaxRequestIdLength, 'x')));
  EXPECT_FALSE(AcceptableRequestId(""));
  EXPECT_FALSE(AcceptableRequestId(std::string(kMaxRequestIdLength + 1, 'x')));
  for (const std::string bad : {"a b", "a\nb", "a\"b", "a;b", "a=b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(AcceptableRequestId(bad)) << bad;
  }
}

}  // namespace
}  // namespace migration::http
