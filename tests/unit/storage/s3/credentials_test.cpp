#include "storage/s3/credentials.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
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

// STS's AssumeRoleWithWebIdentity answer, as AWS writes it.
std::string StsAnswer(const std::string& key, system_clock::time_point expiration) {
  return R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">)"
         "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>" +
         key + "</AccessKeyId><SecretAccessKey>secret-" + key + "</SecretAccessKey><SessionToken>token-" + key +
         "</SessionToken><Expiration>" + Rfc3339(expiration) +
         "</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
}

// A projected service-account token file, as the kubelet writes (and replaces) it.
class TokenFile {
 public:
  TokenFile() : path_(std::filesystem::temp_directory_path() / ("web-identity-" + std::to_string(::getpid()))) {}
  ~TokenFile() { std::filesystem::remove(path_); }
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
  void Write(const std::string& token) const { std::ofstream(path_) << token << "\n"; }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
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

namespace migration::storage::s3 {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;

// EKS IRSA: the token file and role come before the ECS endpoint (the AWS SDKs' order), the token
// goes to STS in a form POST, and the answer's session credentials sign requests.
TEST(CredentialsTest, WebIdentityComesBeforeTheContainerEndpoint) {
  FakeHttpServer sts([](const FakeRequest&) { return FakeReply{200, StsAnswer("ASIASTS", kStart + hours(1)), {}}; });
  FakeHttpServer ecs([](const FakeRequest&) { return FakeReply{200, Document("ECS", kStart + hours(6)), {}}; });
  TokenFile token;
  token.Write("eyJ.first+token/=");
  Fixture f;
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.path()},
           {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/migration-api-staging-k8s"},
           {"AWS_ROLE_SESSION_NAME", "pod-a"},
           {"AWS_ENDPOINT_URL_STS", sts.url()},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.url() + "/creds"}};
  DefaultCredentialsProvider provider(f.Sources());
  const Credentials credentials = provider.Get();
  EXPECT_EQ(credentials.access_key_id, "ASIASTS");
  EXPECT_EQ(credentials.secret_access_key, "secret-ASIASTS");
  EXPECT_EQ(credentials.session_token, "token-ASIASTS");
  ASSERT_TRUE(credentials.expiration);
  EXPECT_EQ(*credentials.expiration, kStart + hours(1));
  EXPECT_TRUE(ecs.requests().empty());

  ASSERT_EQ(sts.requests().size(), 1U);
  const FakeRequest request = sts.requests()[0];  // a copy: requests() returns by value
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Path(), "/");
  EXPECT_NE(request.Header("content-type").find("application/x-www-form-urlencoded"), std::string::npos);
  EXPECT_TRUE(request.Header("authorization").empty()) << "AssumeRoleWithWebIdentity is unsigned";
  EXPECT_NE(request.body.find("Action=AssumeRoleWithWebIdentity"), std::string::npos) << request.body;
  EXPECT_NE(request.body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmigration-api-staging-k8s"),
            std::string::npos)
      << request.body;
  EXPECT_NE(request.body.find("RoleSessionName=pod-a"), std::string::npos) << request.body;
  EXPECT_TRUE(request.body.ends_with("&WebIdentityToken=eyJ.first%2Btoken%2F%3D"))
      << "the token, trimmed and form-encoded: " << request.body;

  // Keys in the environment still win over the role.
  f.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  f.env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  EXPECT_EQ(provider.Get().access_key_id, "AKIAENV");
  EXPECT_EQ(sts.requests().size(), 1U);
}

// Cached until `refresh_before` ahead of the expiration, then exchanged again with the token the
// kubelet has written since (the old one may have expired).
TEST(CredentialsTest, WebIdentityIsRefreshedBeforeExpiryWithTheCurrentToken) {
  std::atomic<int> calls{0};
  FakeHttpServer sts([&](const FakeRequest&) {
    const int n = ++calls;
    return FakeReply{200, StsAnswer("ASIA" + std::to_string(n), kStart + hours(n)), {}};
  });
  TokenFile token;
  token.Write("token-one");
  Fixture f;
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.path()},
           {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r"},
           {"AWS_ENDPOINT_URL_STS", sts.url() + "/"}};
  DefaultCredentialsProvider provider(f.Sources());
  EXPECT_EQ(provider.Get().access_key_id, "ASIA1");
  f.now = kStart + hours(1) - minutes(6);  // 6 minutes left: more than the 5-minute margin
  EXPECT_EQ(provider.Get().access_key_id, "ASIA1");
  EXPECT_EQ(calls.load(), 1);

  token.Write("token-two");
  f.now = kStart + hours(1) - minutes(4);  // inside the margin: exchanged again
  EXPECT_EQ(provider.Get().access_key_id, "ASIA2");
  ASSERT_EQ(sts.requests().size(), 2U);
  EXPECT_NE(sts.requests()[1].body.find("WebIdentityToken=token-two"), std::string::npos) << sts.requests()[1].body;
  EXPECT_NE(sts.requests()[1].body.find("RoleSessionName=migration-api-"), std::string::npos);
}

TEST(CredentialsTest, WebIdentityRefusalNamesStsError) {
  FakeHttpServer sts([](const FakeRequest&) {
    return FakeReply{400,
                     "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                     "<Message>Token expired</Message></Error></ErrorResponse>",
                     {}};
  });
  TokenFile token;
  token.Write("stale");
  Fixture f;
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.path()},
           {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r"},
           {"AWS_ENDPOINT_URL", sts.url()}};  // the all-services override applies to STS too
  DefaultCredentialsProvider provider(f.Sources());
  try {
    provider.Get();
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("InvalidIdentityToken: Token expired"), std::string::npos) << error.detail();
  }
  EXPECT_EQ(sts.requests().size(), 1U);

  // An unreadable token file is the same kind of failure, named.
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/nonexistent/token";
  try {
    provider.Get();
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_NE(error.detail().find("AWS_WEB_IDENTITY_TOKEN_FILE"), std::string::npos) << error.detail();
  }
}

TEST(CredentialsTest, ParsesTheStsAnswerStrictly) {
  EXPECT_EQ(ParseAssumeRoleWithWebIdentity(StsAnswer("K", kStart)).access_key_id, "K");
  EXPECT_THROW(ParseAssumeRoleWithWebIdentity("not xml <"), core::Error);
  EXPECT_THROW(ParseAssumeRoleWithWebIdentity("<AssumeRoleWithWebIdentityResponse/>"), core::Error);
  std::string no_token = StsAnswer("K", kStart);
  no_token.replace(no_token.find("token-K"), 7, "");
  EXPECT_THROW(ParseAssumeRoleWithWebIdentity(no_token), core::Error);
}

}  // namespace
}  // namespace migration::storage::s3
