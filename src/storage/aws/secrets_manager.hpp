#pragma once
// Reads secrets from AWS Secrets Manager (GetSecretValue, JSON protocol, SigV4 signed by libcurl
// through storage/s3/http_call). The credentials come from the same chain as S3's (environment,
// web identity, ECS task role, instance profile). The endpoint is AWS_ENDPOINT_URL_SECRETS_MANAGER,
// else AWS_ENDPOINT_URL, else https://secretsmanager.<region>.amazonaws.com. Thread-safe.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/s3/credentials.hpp"

namespace migration::storage::aws {

class SecretsManagerClient {
 public:
  // `endpoint_url` empty: from the environment as above. `credentials`: null for the default chain.
  explicit SecretsManagerClient(std::string region, std::string endpoint_url = "",
                                std::shared_ptr<s3::CredentialsProvider> credentials = nullptr);

  // The SecretString of the secret's current version (AWSCURRENT). Throws core::Error: kNotFound
  // when the secret does not exist, kUnavailable when Secrets Manager cannot be reached or refuses
  // (its error type and message in the detail; never the secret's value).
  std::string GetSecretString(const std::string& secret_id) const;

  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string region_;
  std::string endpoint_;
  std::shared_ptr<s3::CredentialsProvider> credentials_;
};

// The endpoint as above, from an environment lookup (nullopt: unset), for `region`.
std::string SecretsManagerEndpoint(const std::string& region,
                                   const std::function<std::optional<std::string>(const std::string&)>& getenv);

}  // namespace migration::storage::aws
