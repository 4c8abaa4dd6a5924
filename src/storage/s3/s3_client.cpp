#include "storage/s3/s3_client.hpp"

#include <curl/curl.h>

#include <charconv>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "observability/service_metrics.hpp"
#include "storage/s3/presign.hpp"
#include "storage/s3/s3_error.hpp"
#include "storage/s3/s3_xml.hpp"
#include "storage/s3/sha256.hpp"

namespace migration::storage::s3 {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// "2026-11-27T02:00:00.000Z" (listings) -> "2026-11-27T02:00:00Z"; "" when unreadable.
std::string Rfc3339Seconds(std::string_view text) {
  const std::optional<int64_t> micros = core::ParseRfc3339(text);
  if (!micros) return "";
  return core::FormatRfc3339(*micros - (*micros % kMicrosPerSecond));
}

// "Wed, 27 Nov 2026 02:00:00 GMT" (Last-Modified) -> "2026-11-27T02:00:00Z"; "" when unreadable.
std::string HttpDateToRfc3339(const std::string& text) {
  const time_t seconds = curl_getdate(text.c_str(), nullptr);
  if (seconds < 0) return "";
  return core::FormatRfc3339(static_cast<int64_t>(seconds) * kMicrosPerSecond);
}

}  // namespace

S3Client::S3Client(S3Config config, std::shared_ptr<CredentialsProvider> credentials)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      address_(ResolveBucketAddress(config_.bucket, config_.region, config_.endpoint_url)) {
  if (config_.max_attempts < 1) config_.max_attempts = 1;
}

std::string S3Client::Location(std::string_view key) const { return "s3://" + config_.bucket + "/" + std::string(key); }

std::string S3Client::Url(std::string_view key, const QueryParams& query) const { return address_.Url(key, query); }

std::vector<std::string> S3Client::EncryptionHeaders() const {
  std::vector<std::string> headers;
  if (!config_.server_side_encryption.empty()) {
    headers.push_back("x-amz-server-side-encryption: " + config_.server_side_encryption);
    if (config_.server_side_encryption == "aws:kms" && !config_.sse_kms_key_id.empty()) {
      headers.push_back("x-amz-server-side-encryption-aws-kms-key-id: " + config_.sse_kms_key_id);
    }
  }
  return headers;
}

HttpResponse S3Client::Attempt(const Call& call, const std::string& url, const std::string& payload_hash) const {
  const Credentials credentials = credentials_->Get();
  const SigningKey key{config_.region, "s3", credentials.access_key_id, credentials.secret_access_key};
  HttpRequest request;
  request.method = call.method;
  request.url = url;
  request.headers = call.headers;
  request.headers.push_back("x-amz-content-sha256: " + payload_hash);
  if (!credentials.session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " + credentials.session_token);
  }
  request.body = call.body;
  request.signing = &key;
  request.sink = call.sink;
  request.connect_timeout_ms = config_.connect_timeout_ms;
  request.low_speed_seconds = config_.low_speed_seconds;
  request.connect_to = config_.connect_to;
  return Perform(request);
}

HttpResponse S3Client::Execute(const Call& call) const {
  const std::string what = call.method + " " + Location(call.key);
  const std::string url = Url(call.key, call.query);
  const std::string payload_hash = call.body.empty() ? std::string(kEmptySha256) : Sha256Hex(call.body);
  auto delay = config_.first_retry_delay;
  try {
    for (int attempt = 1;; ++attempt) {
      HttpResponse response = Attempt(call, url, payload_hash);
      const bool missing = call.missing_ok && response.curl_code == 0 && response.status == 404;
      const bool error_body = call.error_in_200 && response.ok() && ParseError(response.body).has_value();
      if ((response.ok() && !error_body) || missing) {
        observability::RecordStorageCall(call.operation, true);
        return response;
      }
      // A GET whose first bytes already went to the sink cannot start over.
      if (attempt >= config_.max_attempts || !IsRetryable(response) || response.sink_bytes > 0) {
        throw ErrorFor(what, response);
      }
      std::this_thread::sleep_for(delay);
      delay *= 4;
    }
  } catch (...) {
    observability::RecordStorageCall(call.operation, false);
    throw;
  }
}

void S3Client::PutObject(std::string_view key, std::string_view bytes) {
  Call call{"put_object", "PUT", key, {}, EncryptionHeaders(), bytes};
  call.headers.emplace_back("Content-Type: application/octet-stream");
  Execute(call);
}

void S3Client::GetObject(std::string_view key, const std::function<void(std::string_view)>& sink) {
  Call call{"get_object", "GET", key};
  call.sink = &sink;
  Execute(call);
}

std::optional<ObjectInfo> S3Client::HeadObject(std::string_view key) {
  Call call{"head_object", "HEAD", key};
  call.missing_ok = true;
  const HttpResponse response = Execute(call);
  if (response.status == 404) return std::nullopt;
  ObjectInfo info;
  info.key = std::string(key);
  const std::string length = response.Header("content-length");
  std::from_chars(length.data(), length.data() + length.size(), info.size);
  info.last_modified = HttpDateToRfc3339(response.Header("last-modified"));
  return info;
}

ListPage S3Client::ListObjectsV2(std::string_view prefix, std::string_view continuation_token) {
  // encoding-type=url: S3 then form-encodes keys in the answer, so a key with characters XML 1.0
  // cannot carry still lists.
  Call call{"list_objects", "GET", "", {{"list-type", "2"}, {"encoding-type", "url"}}};
  if (!prefix.empty()) call.query.emplace_back("prefix", std::string(prefix));
  if (!continuation_token.empty()) call.query.emplace_back("continuation-token", std::string(continuation_token));
  if (config_.list_page_size > 0) call.query.emplace_back("max-keys", std::to_string(config_.list_page_size));
  const HttpResponse response = Execute(call);
  const ListObjectsPage parsed = ParseListObjectsV2(response.body, true);
  ListPage page;
  for (const ListedObject& object : parsed.objects) {
    page.objects.push_back(ObjectInfo{object.key, object.size, Rfc3339Seconds(object.last_modified)});
  }
  if (parsed.truncated) page.next_continuation_token = parsed.next_continuation_token;
  return page;
}

void S3Client::DeleteObject(std::string_view key) {
  Call call{"delete_object", "DELETE", key};
  call.missing_ok = true;
  Execute(call);
}

std::string S3Client::CreateMultipartUpload(std::string_view key) {
  Call call{"create_multipart_upload", "POST", key, {{"uploads", ""}}, EncryptionHeaders()};
  call.headers.emplace_back("Content-Type: application/octet-stream");
  return ParseUploadId(Execute(call).body);
}

std::string S3Client::UploadPart(std::string_view key, std::string_view upload_id, int part_number,
                                 std::string_view bytes) {
  Call call{"upload_part",
            "PUT",
            key,
            {{"partNumber", std::to_string(part_number)}, {"uploadId", std::string(upload_id)}},
            {},
            bytes};
  const HttpResponse response = Execute(call);
  std::string etag = response.Header("etag");
  if (etag.empty()) {
    throw core::Error(core::ErrorCode::kInternal,
                      "S3 answered part " + std::to_string(part_number) + " of " + Location(key) + " without an ETag");
  }
  return etag;
}

void S3Client::CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                       const std::vector<std::string>& etags) {
  const std::string body = CompleteMultipartUploadXml(etags);
  Call call{"complete_multipart_upload", "POST", key, {{"uploadId", std::string(upload_id)}}, {}, body};
  call.headers.emplace_back("Content-Type: application/xml");
  call.error_in_200 = true;
  Execute(call);
}

void S3Client::AbortMultipartUpload(std::string_view key, std::string_view upload_id) {
  Call call{"abort_multipart_upload", "DELETE", key, {{"uploadId", std::string(upload_id)}}};
  call.missing_ok = true;  // already gone: nothing left to abort
  Execute(call);
}

std::string S3Client::PresignUrl(std::string_view method, std::string_view key, const QueryParams& query,
                                 std::chrono::seconds valid_for) const {
  PresignRequest request;
  request.method = std::string(method);
  request.bucket = config_.bucket;
  request.key = std::string(key);
  request.query = query;
  request.region = config_.region;
  request.endpoint_url = config_.endpoint_url;
  request.now = std::chrono::system_clock::now();
  request.expires = valid_for;
  return s3::PresignUrl(request, credentials_->Get());
}

}  // namespace migration::storage::s3
