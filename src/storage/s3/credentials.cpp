#include "storage/s3/credentials.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/s3/canonical_request.hpp"
#include "storage/s3/http_call.hpp"
#include "storage/s3/s3_xml.hpp"

namespace migration::storage::s3 {
namespace {

using core::Error;
using core::ErrorCode;

std::optional<std::string> ProcessEnv(const std::string& name) {
  // Read-only use of the environment; nothing in the service calls setenv() after start-up.
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// The host of "scheme://host[:port]/path", lower-case as written ("[::1]" keeps its brackets).
std::string UrlHost(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with("[")) return std::string(rest.substr(0, rest.find(']') + 1));
  return std::string(rest.substr(0, rest.find(':')));
}

// AWS SDKs send the container authorization token only over https or to the addresses the ECS
// and EKS agents listen on, never to an arbitrary plain-http host.
bool FullUriAllowed(std::string_view url) {
  if (url.starts_with("https://")) return true;
  if (!url.starts_with("http://")) return false;
  const std::string host = UrlHost(url);
  return host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

HttpResponse Fetch(HttpRequest request, long timeout_ms) {
  request.connect_timeout_ms = timeout_ms;
  request.total_timeout_ms = timeout_ms * 3;
  request.low_speed_seconds = 5;
  return Perform(request);
}

std::string Describe(const HttpResponse& response) {
  if (response.curl_code != 0) return response.curl_error;
  return "HTTP " + std::to_string(response.status);
}

std::string ReadTokenFile(const std::string& path, const char* variable) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in) throw Error(ErrorCode::kUnavailable, std::string("cannot read ") + variable + " " + path);
  std::string token = contents.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) throw Error(ErrorCode::kUnavailable, std::string(variable) + " " + path + " is empty");
  return token;
}

std::chrono::system_clock::time_point ParseExpiration(const std::string& text, std::string_view source) {
  const std::optional<int64_t> micros = core::ParseRfc3339(text);
  if (!micros) {
    throw Error(ErrorCode::kUnavailable,
                "AWS credentials from " + std::string(source) + ": Expiration is not an RFC 3339 time");
  }
  return std::chrono::system_clock::time_point(std::chrono::microseconds(*micros));
}

}  // namespace

Credentials ParseCredentialsDocument(std::string_view json, std::string_view source) {
  const auto fail = [&](std::string_view why) {
    return Error(ErrorCode::kUnavailable, "AWS credentials from " + std::string(source) + ": " + std::string(why));
  };
  const nlohmann::json document = nlohmann::json::parse(json, nullptr, false);
  if (!document.is_object()) throw fail("the answer is not a JSON object");
  if (document.contains("Code") && document["Code"].is_string() && document["Code"] != "Success") {
    throw fail("the endpoint answered Code " + document["Code"].get<std::string>());
  }
  Credentials credentials;
  const auto text = [&](const char* name) -> std::string {
    const auto it = document.find(name);
    return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  credentials.access_key_id = text("AccessKeyId");
  credentials.secret_access_key = text("SecretAccessKey");
  credentials.session_token = text("Token");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw fail("the answer has no AccessKeyId/SecretAccessKey");
  }
  if (const std::string expiration = text("Expiration"); !expiration.empty()) {
    credentials.expiration = ParseExpiration(expiration, source);
  }
  return credentials;
}

Credentials ParseAssumeRoleWithWebIdentity(std::string_view xml) {
  constexpr std::string_view kSource = "STS AssumeRoleWithWebIdentity";
  const std::optional<XmlElement> root = ParseXml(xml);
  if (!root) throw Error(ErrorCode::kUnavailable, std::string(kSource) + ": the answer is not XML");
  if (root->name == "ErrorResponse") {
    const XmlElement* error = root->Child("Error");
    throw Error(ErrorCode::kUnavailable, std::string(kSource) +
                                             " refused: " + (error ? error->ChildText("Code") : std::string("?")) +
                                             ": " + (error ? error->ChildText("Message") : std::string()));
  }
  const XmlElement* result = root->Child("AssumeRoleWithWebIdentityResult");
  const XmlElement* document = result != nullptr ? result->Child("Credentials") : nullptr;
  if (document == nullptr) {
    throw Error(ErrorCode::kUnavailable, std::string(kSource) + ": the answer has no Credentials");
  }
  Credentials credentials{document->ChildText("AccessKeyId"), document->ChildText("SecretAccessKey"),
                          document->ChildText("SessionToken"), std::nullopt};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() || credentials.session_token.empty()) {
    throw Error(ErrorCode::kUnavailable,
                std::string(kSource) + ": the answer lacks AccessKeyId, SecretAccessKey or SessionToken");
  }
  const std::string expiration = document->ChildText("Expiration");
  if (expiration.empty()) throw Error(ErrorCode::kUnavailable, std::string(kSource) + ": the answer has no Expiration");
  credentials.expiration = ParseExpiration(expiration, kSource);
  return credentials;
}

DefaultCredentialsProvider::DefaultCredentialsProvider(CredentialSources sources) : sources_(std::move(sources)) {
  if (!sources_.getenv) sources_.getenv = &ProcessEnv;
  if (!sources_.now) sources_.now = [] { return std::chrono::system_clock::now(); };
}

std::optional<std::string> DefaultCredentialsProvider::Env(const std::string& name) const {
  std::optional<std::string> value = sources_.getenv(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

Credentials DefaultCredentialsProvider::Get() {
  // 1. The environment: read on every call (cheap), so it always wins over a cached role.
  const std::optional<std::string> key_id = Env("AWS_ACCESS_KEY_ID");
  const std::optional<std::string> secret = Env("AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) return Credentials{*key_id, *secret, Env("AWS_SESSION_TOKEN").value_or(""), std::nullopt};

  const std::lock_guard lock(mutex_);
  const auto now = sources_.now();
  if (cached_ && (!cached_->expiration || now + sources_.refresh_before < *cached_->expiration)) return *cached_;
  try {
    // 2. Web identity (EKS IRSA); 3. the ECS task role; 4. the EC2 instance profile.
    Credentials fresh;
    const auto token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const auto role_arn = Env("AWS_ROLE_ARN");
    if (token_file && role_arn) {
      fresh = FetchWebIdentity(*token_file, *role_arn);
    } else if (const auto relative = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      fresh = FetchEcs(sources_.ecs_base_url + *relative);
    } else if (const auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      if (!FullUriAllowed(*full)) {
        throw Error(ErrorCode::kInternal,
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/ECS/EKS agent address");
      }
      fresh = FetchEcs(*full);
    } else {
      fresh = FetchImds();
    }
    cached_ = std::move(fresh);
    return *cached_;
  } catch (const Error&) {
    // A failed refresh is not fatal while the credentials we have are still valid.
    if (cached_ && cached_->expiration && now < *cached_->expiration) return *cached_;
    throw;
  }
}

std::string DefaultCredentialsProvider::StsEndpoint() const {
  std::string endpoint;
  if (const auto sts = Env("AWS_ENDPOINT_URL_STS")) {
    endpoint = *sts;
  } else if (const auto all = Env("AWS_ENDPOINT_URL")) {
    endpoint = *all;
  } else if (const auto region = Env("AWS_REGION") ? Env("AWS_REGION") : Env("AWS_DEFAULT_REGION")) {
    // Regional, as current SDKs default to: the global endpoint lives in us-east-1 only.
    endpoint = "https://sts." + *region + ".amazonaws.com" + (region->starts_with("cn-") ? ".cn" : "");
  } else {
    endpoint = "https://sts.amazonaws.com";
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return endpoint + "/";
}

Credentials DefaultCredentialsProvider::FetchWebIdentity(const std::string& token_file,
                                                         const std::string& role_arn) const {
  const std::string token = ReadTokenFile(token_file, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string session =
      Env("AWS_ROLE_SESSION_NAME")
          .value_or("migration-api-" +
                    std::to_string(
                        std::chrono::duration_cast<std::chrono::seconds>(sources_.now().time_since_epoch()).count()));
  // A form POST: the token (a JWT of ~1 KB) stays out of URLs and access logs.
  const std::string body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + UriEncode(role_arn, false) +
                           "&RoleSessionName=" + UriEncode(session, false) +
                           "&WebIdentityToken=" + UriEncode(token, false);
  HttpRequest request;
  request.method = "POST";
  request.url = StsEndpoint();
  request.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8", "Accept: application/xml"};
  request.body = body;
  const HttpResponse response = Fetch(request, sources_.sts_timeout_ms);
  if (response.curl_code != 0) {
    throw Error(ErrorCode::kUnavailable,
                "STS AssumeRoleWithWebIdentity at " + request.url + " did not answer: " + response.curl_error);
  }
  if (!response.ok() && response.body.empty()) {
    throw Error(ErrorCode::kUnavailable, "STS AssumeRoleWithWebIdentity answered " + Describe(response));
  }
  return ParseAssumeRoleWithWebIdentity(response.body);
}

Credentials DefaultCredentialsProvider::FetchEcs(const std::string& url) const {
  HttpRequest request;
  request.url = url;
  std::optional<std::string> token;
  if (const auto token_file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    token = ReadTokenFile(*token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  } else {
    token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) request.headers.push_back("Authorization: " + *token);
  const HttpResponse response = Fetch(request, 2000);
  if (!response.ok()) {
    throw Error(ErrorCode::kUnavailable,
                "the ECS task-role credentials endpoint did not answer: " + Describe(response));
  }
  return ParseCredentialsDocument(response.body, "the ECS task-role endpoint");
}

Credentials DefaultCredentialsProvider::FetchImds() const {
  const std::string none =
      "no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), no web identity "
      "(AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), no ECS task role "
      "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI)";
  const std::optional<std::string> disabled = Env("AWS_EC2_METADATA_DISABLED");
  if (disabled && (*disabled == "true" || *disabled == "TRUE" || *disabled == "True")) {
    throw Error(ErrorCode::kUnavailable, none + ", and EC2 instance metadata is disabled");
  }
  std::string base = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(sources_.imds_base_url);
  while (base.ends_with('/')) base.pop_back();
  const long timeout = sources_.imds_timeout_ms;

  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = base + "/latest/api/token";
  token_request.headers = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
  const HttpResponse token = Fetch(token_request, timeout);
  if (!token.ok()) {
    throw Error(ErrorCode::kUnavailable, none + ", and EC2 instance metadata did not answer (" + Describe(token) + ")");
  }
  const std::string token_header = "X-aws-ec2-metadata-token: " + token.body;

  HttpRequest role_request;
  role_request.url = base + "/latest/meta-data/iam/security-credentials/";
  role_request.headers = {token_header};
  const HttpResponse role = Fetch(role_request, timeout);
  std::string role_name = role.body.substr(0, role.body.find_first_of("\r\n"));
  if (!role.ok() || role_name.empty()) {
    throw Error(ErrorCode::kUnavailable,
                none + ", and this EC2 instance has no instance profile role (" + Describe(role) + ")");
  }

  HttpRequest credentials_request;
  credentials_request.url = base + "/latest/meta-data/iam/security-credentials/" + role_name;
  credentials_request.headers = {token_header};
  const HttpResponse credentials = Fetch(credentials_request, timeout);
  if (!credentials.ok()) {
    throw Error(ErrorCode::kUnavailable,
                "EC2 instance metadata did not give the role's credentials (" + Describe(credentials) + ")");
  }
  return ParseCredentialsDocument(credentials.body, "EC2 instance metadata");
}

}  // namespace migration::storage::s3
