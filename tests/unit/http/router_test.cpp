#include "http/router.hpp"

#include <gtest/gtest.h>

#include <string>

namespace migration::http {
namespace {

Route Named(std::string method, std::string pattern) {
  return Route{
      std::move(method), std::move(pattern), 0, [](Request&) { return Response::Json(200, "{}"); }, nullptr, ""};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Literal routes first, as api/routes.cpp registers them.
    router_.Add(Named("GET", "/v1/loads"));
    router_.Add(Named("GET", "/v1/{table}"));
    router_.Add(Named("POST", "/v1/{table}"));
    router_.Add(Named("GET", "/v1/{table}/{id}"));
  }
  Router router_;
};

TEST_F(RouterTest, ALiteralSegmentWinsOverAParameterRegisteredAfterIt) {
  const Router::Match match = router_.Find("GET", "/v1/loads");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/v1/loads");
  EXPECT_TRUE(match.params.empty());
}

TEST_F(RouterTest, ParametersCaptureOneNonEmptySegmentEach) {
  const Router::Match match = router_.Find("GET", "/v1/jobs/42");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->name, "GET /v1/{table}/{id}");  // the name defaults to method + pattern
  EXPECT_EQ(match.params.at("table"), "jobs");
  EXPECT_EQ(match.params.at("id"), "42");
  EXPECT_EQ(router_.Find("GET", "/v1/jobs/").route, nullptr) << "an empty segment is no {id}";
  EXPECT_EQ(router_.Find("GET", "/v1/jobs/42/x").route, nullptr);
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIsAPathMatchWithoutARoute) {
  const Router::Match match = router_.Find("DELETE", "/v1/jobs");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_matched) << "so the server answers 405, not 404";
  const Router::Match unknown = router_.Find("GET", "/v2/jobs");
  EXPECT_EQ(unknown.route, nullptr);
  EXPECT_FALSE(unknown.path_matched);
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  const Router::Match match = router_.Find("HEAD", "/v1/jobs");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method, "GET");
}

}  // namespace
}  // namespace migration::http
