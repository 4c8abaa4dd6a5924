#include "http/request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace migration::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(ParseTargetTest, SplitsAndDecodesPathAndQueryInOrder) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/v1/a%20b?limit=10&after=&x=1+2&flag&&y=%3D", path, query));
  EXPECT_EQ(path, "/v1/a b");
  EXPECT_EQ(query, (Query{{"limit", "10"}, {"after", ""}, {"x", "1 2"}, {"flag", ""}, {"y", "="}}));
}

TEST(ParseTargetTest, APlusInThePathStaysAPlus) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/v1/a+b", path, query));
  EXPECT_EQ(path, "/v1/a+b");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTargetTest, RefusesWhatIsNotAnOriginFormPathOrHasBadEscapes) {
  std::string path;
  Query query;
  EXPECT_FALSE(ParseTarget("", path, query));
  EXPECT_FALSE(ParseTarget("http://example.com/v1", path, query));
  EXPECT_FALSE(ParseTarget("*", path, query));
  EXPECT_FALSE(ParseTarget("/v1/%zz", path, query));
  EXPECT_FALSE(ParseTarget("/v1/%4", path, query));
  EXPECT_FALSE(ParseTarget("/v1?a=%", path, query));
}

TEST(RequestTest, HeadersQueryAndMediaTypeGiveTheFirstValue) {
  Request request;
  request.headers = {{"content-type", " Text/CSV ; charset=utf-8"}, {"x-a", "1"}, {"x-a", "2"}};
  request.query = {{"on_conflict", "skip"}, {"on_conflict", "update"}};
  EXPECT_EQ(request.Header("x-a"), "1");
  EXPECT_FALSE(request.Header("x-b").has_value());
  EXPECT_EQ(request.Query("on_conflict"), "skip");
  EXPECT_FALSE(request.Query("limit").has_value());
  EXPECT_EQ(request.MediaType(), "text/csv");
  EXPECT_EQ(Request{}.MediaType(), "");
}

}  // namespace
}  // namespace migration::http
