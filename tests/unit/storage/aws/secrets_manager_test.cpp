#include "storage/aws/secrets_manager.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.hpp"
#include "storage/s3/sha256.hpp"
#include "support/s3_fake_server.hpp"

namespace migration::storage::aws {
namespace {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;

std::shared_ptr<s3::CredentialsProvider> Key(const std::string& token = "") {
  return std::make_shared<s3::StaticCredentialsProvider>(
      s3::Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token, std::nullopt});
}

TEST(SecretsManagerTest, GetSecretValueIsASignedJsonCall) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{200, R"({"ARN":"arn","Name":"db","SecretString":"{\"username\":\"u\"}","VersionId":"v"})", {}};
  });
  const SecretsManagerClient client("eu-west-1", server.url(), Key("session"));
  EXPECT_EQ(client.GetSecretString("arn:aws:secretsmanager:eu-west-1:1:secret:db"), R"({"username":"u"})");
  ASSERT_EQ(server.requests().size(), 1U);
  const FakeRequest request = server.requests()[0];  // a copy: requests() returns by value
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Header("x-amz-target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(request.Header("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(request.Header("x-amz-security-token"), "session");
  EXPECT_NE(request.Header("authorization").find("/eu-west-1/secretsmanager/aws4_request"), std::string::npos)
      << request.Header("authorization");
  EXPECT_EQ(request.body, R"({"SecretId":"arn:aws:secretsmanager:eu-west-1:1:secret:db"})");
  // libcurl signs an uploaded body by this header's hash (else as if empty): it must be the body's.
  EXPECT_EQ(request.Header("x-amz-content-sha256"), s3::Sha256Hex(request.body));
  EXPECT_NE(request.Header("authorization").find("x-amz-content-sha256"), std::string::npos);
}

TEST(SecretsManagerTest, RefusalsNameTheErrorNeverAValue) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{400, R"({"__type":"AccessDeniedException","message":"not allowed"})", {}};
  });
  const SecretsManagerClient client("us-east-1", server.url(), Key());
  try {
    client.GetSecretString("db");
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("AccessDeniedException: not allowed"), std::string::npos) << error.detail();
  }
  const SecretsManagerClient nowhere("us-east-1", "http://127.0.0.1:9/", Key());
  EXPECT_THROW(nowhere.GetSecretString("db"), core::Error);
}

TEST(SecretsManagerTest, EndpointFromTheEnvironmentThenTheRegion) {
  std::map<std::string, std::string> env;
  const auto getenv = [&](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  EXPECT_EQ(SecretsManagerEndpoint("eu-central-1", getenv), "https://secretsmanager.eu-central-1.amazonaws.com/");
  EXPECT_EQ(SecretsManagerEndpoint("cn-north-1", getenv), "https://secretsmanager.cn-north-1.amazonaws.com.cn/");
  env["AWS_ENDPOINT_URL"] = "http://localhost:4566/";
  EXPECT_EQ(SecretsManagerEndpoint("eu-central-1", getenv), "http://localhost:4566/");
  env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "http://127.0.0.1:5000";
  EXPECT_EQ(SecretsManagerEndpoint("eu-central-1", getenv), "http://127.0.0.1:5000/");
}

}  // namespace
}  // namespace migration::storage::aws
