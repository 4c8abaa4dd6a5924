#pragma once
// AWS credentials for signing requests (S3, Secrets Manager), found the way AWS SDKs find them:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) in the environment;
//   2. web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, exchanged at STS
//      AssumeRoleWithWebIdentity (unsigned; AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the
//      regional endpoint of AWS_REGION / AWS_DEFAULT_REGION); the token file is read again at each
//      exchange, since the kubelet replaces it before it expires; AWS_ROLE_SESSION_NAME optional;
//   3. the ECS task-role endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2), or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or a loopback/ECS/EKS link-local address), with
//      the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN if set;
//   4. EC2 instance metadata (IMDSv2: a session token, then the instance profile's role),
//      unless AWS_EC2_METADATA_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it.
// Temporary credentials (2, 3, 4) are cached and fetched again `refresh_before` ahead of their
// Expiration; if that fetch fails while the cached ones are still valid, those are used.
// Thread-safe: one provider serves every worker thread (one fetch at a time, others wait for it).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace migration::storage::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Throws core::Error(kUnavailable) when no source has credentials right now.
  virtual Credentials Get() = 0;
};

class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials) : credentials_(std::move(credentials)) {}
  Credentials Get() override { return credentials_; }

 private:
  Credentials credentials_;
};

// Where the chain looks. The defaults are production's; tests replace the environment, the
// addresses and the clock.
struct CredentialSources {
  // Reads one environment variable (nullopt: unset). Default: the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // For tests: the ECS credentials host that AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative to.
  std::string ecs_base_url = "http://169.254.170.2";
  // For tests: the instance metadata address when AWS_EC2_METADATA_SERVICE_ENDPOINT is unset.
  std::string imds_base_url = "http://169.254.169.254";
  // For tests: the clock that expirations are compared with.
  std::function<std::chrono::system_clock::time_point()> now;
  std::chrono::seconds refresh_before{300};
  long imds_timeout_ms = 1000;  // per IMDS request: off EC2 the address does not answer at all
  long sts_timeout_ms = 5000;   // connect timeout of the STS exchange (its whole exchange: 3x)
};

class DefaultCredentialsProvider : public CredentialsProvider {
 public:
  explicit DefaultCredentialsProvider(CredentialSources sources = {});
  Credentials Get() override;

 private:
  std::optional<std::string> Env(const std::string& name) const;
  Credentials FetchWebIdentity(const std::string& token_file, const std::string& role_arn) const;
  std::string StsEndpoint() const;
  Credentials FetchEcs(const std::string& url) const;
  Credentials FetchImds() const;

  CredentialSources sources_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
};

// Parses the JSON document the ECS and EC2 endpoints answer (AccessKeyId, SecretAccessKey, Token,
// Expiration). Throws core::Error(kUnavailable) naming `source` when it is not such a document.
Credentials ParseCredentialsDocument(std::string_view json, std::string_view source);

// Parses STS's AssumeRoleWithWebIdentity answer (XML: …Result/Credentials with AccessKeyId,
// SecretAccessKey, SessionToken, Expiration). Throws core::Error(kUnavailable) with STS's error
// code and message when it is an <ErrorResponse>, or when it is neither.
Credentials ParseAssumeRoleWithWebIdentity(std::string_view xml);

}  // namespace migration::storage::s3
