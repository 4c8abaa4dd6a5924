#include "storage/s3/credentials.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "support/s3_fake_server.hpp"

namespace migration::storage::s3 {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::system_clock;
using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;

std::string Rfc3339(system_clock::time_point t) {
  return core::FormatRfc3339(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() *
                             1'000'000);
}

std::string Document(const std::string& key, system_clock::time_point expiration) {
  return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"secret-)" + key + R"(","Token":"token-)" + key +
         R"(","Expiration":")" + Rfc3339(expiration) + R"("})";
}

// A fixed start so the fake clock and the served expirations agree to the second.
const system_clock::time_point kStart = system_clock::time_point(std::chrono::seconds(1'800'000'000));

struct Fixture {
  std::map<std::string, std::string> env;
  system_clock::time_point now = kStart;

  CredentialSources Sources() {
    CredentialSources sources;
    sources.getenv = [this](const std::string& name) -> std::optional<std::string> {
      const auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    sources.now = [this] { return now; };
    sources.imds_base_url = "http://127.0.0.1:9";  // nothing listens: IMDS is never the answer by accident
    return sources;
  }
};

TEST(CredentialsTest, EnvironmentComesFirst) {
  FakeHttpServer ecs([](const FakeRequest&) { return FakeReply{200, Document("ECS", kStart + hours(1)), {}}; });
  Fixture f;
  f.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_SESSION_TOKEN", "env-token"},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/creds"}};
  DefaultCredentialsProvider provider(f.Sources());
  const Credentials credentials = provider.Get();
  EXPECT_EQ(credentials.access_key_id, "AKIAENV");
  EXPECT_EQ(credentials.secret_access_key, "env-secret");
  EXPECT_EQ(credentials.session_token, "env-token");
  EXPECT_FALSE(credentials.expiration);
  EXPECT_TRUE(ecs.requests().empty());

  // Half a key pair in the environment is no key pair: the ECS endpoint answers.
  f.env.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(provider.Get().access_key_id, "ECS");
  EXPECT_EQ(ecs.requests().size(), 1U);
}

TEST(CredentialsTest, EcsFullUriWithAuthorizationToken) {
  FakeHttpServer ecs([](const FakeRequest&) { return FakeReply{200, Document("ECS", kStart + hours(6)), {}}; });
  Fixture f;
  f.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/v2/credentials/abc"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer sekrit"}};
  DefaultCredentialsProvider provider(f.Sources());
  const Credentials credentials = provider.Get();
  EXPECT_EQ(credentials.access_key_id, "ECS");
  EXPECT_EQ(credentials.secret_access_key, "secret-ECS");
  EXPECT_EQ(credentials.session_token, "token-ECS");
  ASSERT_TRUE(credentials.expiration);
  EXPECT_EQ(*credentials.expiration, kStart + hours(6));
  const auto requests = ecs.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/v2/credentials/abc");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer sekrit");
}

TEST(CredentialsTest, EcsRelativeUriIsOnTheEcsAgentAddress) {
  FakeHttpServer ecs([](const FakeRequest&) { return FakeReply{200, Document("REL", kStart + hours(6)), {}}; });
  Fixture f;
  f.env = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-uuid"},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/not-this-one"}};
  CredentialSources sources = f.Sources();
  sources.ecs_base_url = ecs.url();
  DefaultCredentialsProvider provider(sources);
  EXPECT_EQ(provider.Get().access_key_id, "REL");
  ASSERT_EQ(ecs.requests().size(), 1U);
  EXPECT_EQ(ecs.requests()[0].target, "/v2/credentials/task-uuid");
  EXPECT_TRUE(ecs.requests()[0].Header("authorization").empty());
}

TEST(CredentialsTest, TemporaryCredentialsAreCachedThenRefreshedBeforeTheyExpire) {
  std::atomic<int> served{0};
  FakeHttpServer ecs([&](const FakeRequest&) {
    const int n = ++served;
    // Each set is valid one hour from the fake clock's start of its hour.
    return FakeReply{200, Document("SET" + std::to_string(n), kStart + hours(n)), {}};
  });
  Fixture f;
  f.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/creds"}};
  DefaultCredentialsProvider provider(f.Sources());

  EXPECT_EQ(provider.Get().access_key_id, "SET1");
  f.now = kStart + minutes(30);
  EXPECT_EQ(provider.Get().access_key_id, "SET1");  // cached
  EXPECT_EQ(served.load(), 1);
  f.now = kStart + minutes(54);
  EXPECT_EQ(provider.Get().access_key_id, "SET1");  // still 6 minutes to go
  f.now = kStart + minutes(56);                     // 4 minutes before expiry: inside the 5-minute window
  const Credentials second = provider.Get();
  EXPECT_EQ(second.access_key_id, "SET2");
  EXPECT_EQ(second.session_token, "token-SET2");
  EXPECT_EQ(served.load(), 2);
  f.now = kStart + hours(3);  // long expired
  EXPECT_EQ(provider.Get().access_key_id, "SET3");
}

TEST(CredentialsTest, AFailedRefreshKeepsCredentialsThatAreStillValid) {
  std::atomic<bool> up{true};
  FakeHttpServer ecs([&](const FakeRequest&) {
    if (!up) return FakeReply{500, "down", {}};
    return FakeReply{200, Document("ONLY", kStart + hours(1)), {}};
  });
  Fixture f;
  f.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/creds"}};
  DefaultCredentialsProvider provider(f.Sources());
  EXPECT_EQ(provider.Get().access_key_id, "ONLY");
  up = false;
  f.now = kStart + minutes(58);  // refresh due, endpoint failing, cached set valid 2 more minutes
  EXPECT_EQ(provider.Get().access_key_id, "ONLY");
  f.now = kStart + minutes(61);  // expired: nothing to fall back on
  try {
    provider.Get();
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("ECS"), std::string::npos) << error.detail();
  }
}

TEST(CredentialsTest, Imdsv2TokenThenRoleThenCredentials) {
  FakeHttpServer imds([](const FakeRequest& request) {
    if (request.method == "PUT" && request.target == "/latest/api/token") {
      if (request.Header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return FakeReply{400, "", {}};
      return FakeReply{200, "imds-session-token", {}};
    }
    if (request.Header("x-aws-ec2-metadata-token") != "imds-session-token") return FakeReply{401, "", {}};
    if (request.target == "/latest/meta-data/iam/security-credentials/") return FakeReply{200, "app-role\n", {}};
    if (request.target == "/latest/meta-data/iam/security-credentials/app-role") {
      return FakeReply{200,
                       R"({"Code":"Success","LastUpdated":"2026-11-27T00:00:00Z","Type":"AWS-HMAC",)"
                       R"("AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token",)"
                       R"("Expiration":")" +
                           Rfc3339(kStart + hours(6)) + R"("})",
                       {}};
    }
    return FakeReply{404, "", {}};
  });
  Fixture f;
  CredentialSources sources = f.Sources();
  sources.imds_base_url = imds.url();
  DefaultCredentialsProvider provider(sources);
  const Credentials credentials = provider.Get();
  EXPECT_EQ(credentials.access_key_id, "ASIAIMDS");
  EXPECT_EQ(credentials.secret_access_key, "imds-secret");
  EXPECT_EQ(credentials.session_token, "imds-token");
  EXPECT_EQ(imds.requests().size(), 3U);
  provider.Get();
  EXPECT_EQ(imds.requests().size(), 3U);  // cached

  // AWS_EC2_METADATA_SERVICE_ENDPOINT moves it, as in AWS SDKs.
  Fixture g;
  g.env = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url() + "/"}};
  DefaultCredentialsProvider moved(g.Sources());
  EXPECT_EQ(moved.Get().access_key_id, "ASIAIMDS");
}

TEST(CredentialsTest, NoSourceIsUnavailableQuickly) {
  Fixture f;
  DefaultCredentialsProvider provider(f.Sources());
  const auto start = std::chrono::steady_clock::now();
  try {
    provider.Get();
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("AWS_ACCESS_KEY_ID"), std::string::npos) << error.detail();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  f.env = {{"AWS_EC2_METADATA_DISABLED", "true"}};
  EXPECT_THROW(provider.Get(), core::Error);
}

TEST(CredentialsTest, FullUriMustBeHttpsOrALocalAgent) {
  Fixture f;
  f.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "do-not-leak"}};
  DefaultCredentialsProvider provider(f.Sources());
  try {
    provider.Get();
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_NE(error.detail().find("AWS_CONTAINER_CREDENTIALS_FULL_URI"), std::string::npos);
    EXPECT_EQ(error.detail().find("do-not-leak"), std::string::npos);
  }
}

TEST(CredentialsTest, ParsesTheDocumentStrictly) {
  EXPECT_THROW(ParseCredentialsDocument("not json", "x"), core::Error);
  EXPECT_THROW(ParseCredentialsDocument(R"({"AccessKeyId":"A"})", "x"), core::Error);
  EXPECT_THROW(ParseCredentialsDocument(R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"soon"})", "x"),
               core::Error);
  EXPECT_THROW(ParseCredentialsDocument(R"({"Code":"Failure","AccessKeyId":"A","SecretAccessKey":"S"})", "x"),
               core::Error);
  const Credentials ok = ParseCredentialsDocument(R"({"AccessKeyId":"A","SecretAccessKey":"S"})", "x");
  EXPECT_EQ(ok.access_key_id, "A");
  EXPECT_TRUE(ok.session_token.empty());
  EXPECT_FALSE(ok.expiration);
}

}  // namespace
}  // namespace migration::storage::s3
