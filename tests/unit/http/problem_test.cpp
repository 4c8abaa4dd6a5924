#include "http/problem.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace migration::http {
namespace {

using core::ErrorCode;

TEST(ProblemTest, EveryErrorCodeMapsToItsStatus) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnprocessable), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

TEST(ProblemTest, ABodyIsRfc9457WithTheDetailAndTheExtraMembers) {
  const Response response =
      Problem(ErrorCode::kUnprocessable, "nothing valid: line 2, field id", "/v1/jobs", {{"load_id", 7}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], 422);
  EXPECT_EQ(body["title"], ReasonPhrase(422));
  EXPECT_EQ(body["detail"], "nothing valid: line 2, field id");
  EXPECT_EQ(body["instance"], "/v1/jobs");
  EXPECT_EQ(body["load_id"], 7);
  EXPECT_TRUE(body["type"].is_string());
}

TEST(ProblemTest, UnavailableTellsTheClientWhenToRetry) {
  const Response response = Problem(ErrorCode::kUnavailable, "database unavailable", "/v1/jobs");
  EXPECT_EQ(response.status, 503);
  bool retry_after = false;
  for (const auto& [name, value] : response.headers) retry_after |= name == "Retry-After" && !value.empty();
  EXPECT_TRUE(retry_after);
}

}  // namespace
}  // namespace migration::http
