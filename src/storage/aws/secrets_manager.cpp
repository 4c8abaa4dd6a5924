#include "storage/aws/secrets_manager.hpp"

#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/s3/http_call.hpp"
#include "storage/s3/sha256.hpp"

namespace migration::storage::aws {
namespace {

using core::Error;
using core::ErrorCode;

std::optional<std::string> ProcessEnv(const std::string& name) {
  // Read-only use of the environment; nothing in the service calls setenv() after start-up.
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace

std::string SecretsManagerEndpoint(const std::string& region,
                                   const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::string endpoint;
  if (auto specific = getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")) {
    endpoint = std::move(*specific);
  } else if (auto all = getenv("AWS_ENDPOINT_URL")) {
    endpoint = std::move(*all);
  } else {
    endpoint = "https://secretsmanager." + region + ".amazonaws.com" + (region.starts_with("cn-") ? ".cn" : "");
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return endpoint + "/";
}

SecretsManagerClient::SecretsManagerClient(std::string region, std::string endpoint_url,
                                           std::shared_ptr<s3::CredentialsProvider> credentials)
    : region_(std::move(region)),
      endpoint_(endpoint_url.empty() ? SecretsManagerEndpoint(region_, &ProcessEnv) : std::move(endpoint_url)),
      credentials_(credentials ? std::move(credentials) : std::make_shared<s3::DefaultCredentialsProvider>()) {
  while (endpoint_.ends_with("//")) endpoint_.pop_back();
  if (!endpoint_.ends_with('/')) endpoint_ += '/';
}

std::string SecretsManagerClient::GetSecretString(const std::string& secret_id) const {
  const s3::Credentials credentials = credentials_->Get();
  const s3::SigningKey key{region_, "secretsmanager", credentials.access_key_id, credentials.secret_access_key};
  const std::string body = nlohmann::json{{"SecretId", secret_id}}.dump();
  s3::HttpRequest request;
  request.method = "POST";
  request.url = endpoint_;
  // The payload's hash as a header: libcurl 7.88 signs an uploaded body (CURLOPT_UPLOAD, how
  // http_call sends one) as if it were empty unless this header carries the real hash.
  request.headers = {"Content-Type: application/x-amz-json-1.1", "X-Amz-Target: secretsmanager.GetSecretValue",
                     "X-Amz-Content-Sha256: " + s3::Sha256Hex(body)};
  if (!credentials.session_token.empty()) {
    request.headers.push_back("X-Amz-Security-Token: " + credentials.session_token);
  }
  request.body = body;
  request.signing = &key;
  request.connect_timeout_ms = 3000;
  request.total_timeout_ms = 10000;
  request.low_speed_seconds = 5;
  const s3::HttpResponse response = s3::Perform(request);
  if (response.curl_code != 0) {
    throw Error(ErrorCode::kUnavailable, "Secrets Manager at " + endpoint_ + " did not answer: " + response.curl_error);
  }
  const nlohmann::json document = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!response.ok()) {
    // {"__type": "ResourceNotFoundException", "message": "..."} (or "Message").
    std::string type = "HTTP " + std::to_string(response.status);
    std::string message;
    if (document.is_object()) {
      if (document.contains("__type") && document["__type"].is_string()) {
        type = document["__type"].get<std::string>();
        type = type.substr(type.rfind('#') + 1);
      }
      for (const char* name : {"message", "Message"}) {
        if (document.contains(name) && document[name].is_string()) message = document[name].get<std::string>();
      }
    }
    throw Error(type == "ResourceNotFoundException" ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                "Secrets Manager GetSecretValue of " + secret_id + " refused: " + type +
                    (message.empty() ? "" : ": " + message));
  }
  if (!document.is_object() || !document.contains("SecretString") || !document["SecretString"].is_string()) {
    throw Error(ErrorCode::kUnavailable, "Secrets Manager answered no SecretString for " + secret_id);
  }
  return document["SecretString"].get<std::string>();
}

}  // namespace migration::storage::aws
