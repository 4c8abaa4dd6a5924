#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/access/api_keys.hpp"
#include "api/access/cors.hpp"
#include "api/access/rate_limiter.hpp"
#include "core/error.hpp"

namespace migration::api::access {
namespace {

// SHA-256("secret-key-1"), as an operator would compute it: printf %s secret-key-1 | sha256sum
std::string HexDigest(std::string_view key) {
  const auto digest = Sha256(key);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (const auto byte : digest) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

TEST(ApiKeysTest, Sha256MatchesTheKnownVector) {
  EXPECT_EQ(HexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeysTest, ParsesPairsFromAListOrFileAndFindsTheKeyByItsDigest) {
  const auto keys =
      ParseApiKeys("ci:" + HexDigest("k1") + ", reader:" + HexDigest("k2") + ":read\n# comment\n", "API_KEYS");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(FindKey(keys, "k1")->name, "ci");
  EXPECT_EQ(FindKey(keys, "k2")->scope, KeyScope::kReadOnly);
  EXPECT_EQ(FindKey(keys, "k3"), nullptr);
  EXPECT_EQ(FindKey(keys, ""), nullptr);
}

TEST(ApiKeysTest, MalformedEntriesNameTheSourceAndEntry) {
  for (const std::string& bad : std::vector<std::string>{"nohash", ":abc", "x:1234", "x:" + std::string(64, 'g'),
                                                         "x:" + HexDigest("a") + ":admin"}) {
    try {
      ParseApiKeys(bad, "API_KEYS");
      ADD_FAILURE() << bad;
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
      EXPECT_NE(error.detail().find("API_KEYS: entry 1"), std::string::npos) << error.detail();
    }
  }
}

TEST(RateLimiterTest, AllowsABurstThenRefillsAtTheRate) {
  RateLimiter limiter(2.0, 4.0);
  const auto start = RateLimiter::Clock::now();
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.Take("a", start)) << i;
  const auto refused = limiter.Take("a", start);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, 1);
  EXPECT_FALSE(limiter.Take("b", start));  // callers have their own buckets
  EXPECT_FALSE(limiter.Take("a", start + std::chrono::milliseconds(600)));
  EXPECT_TRUE(limiter.Take("a", start + std::chrono::milliseconds(700)));
}

TEST(CorsPolicyTest, PreflightAndHeadersFollowTheAllowList) {
  const CorsPolicy cors("https://app.example.com, https://admin.example.com/");
  http::Request preflight;
  preflight.method = "OPTIONS";
  preflight.headers = {{"origin", "https://admin.example.com"}, {"access-control-request-method", "POST"}};
  const auto answer = cors.Preflight(preflight);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 204);
  http::Response response;
  cors.Decorate(preflight, response);
  ASSERT_FALSE(response.headers.empty());
  EXPECT_EQ(response.headers[0].second, "https://admin.example.com");

  preflight.headers[0].second = "https://evil.example.com";
  EXPECT_EQ(cors.Preflight(preflight)->status, 403);
  http::Response other;
  cors.Decorate(preflight, other);
  EXPECT_TRUE(other.headers.empty());
}

}  // namespace
}  // namespace migration::api::access
