#pragma once
// The S3 API calls the object store needs, one method per call, over libcurl with SigV4
// (http_call.hpp). Every request carries x-amz-content-sha256 (the body's SHA-256) and, with
// temporary credentials, x-amz-security-token; URLs are canonical (canonical_request.hpp).
// Path-style URLs (endpoint/bucket/key) when an endpoint is configured (S3-compatible servers),
// virtual-hosted (bucket.s3.region.amazonaws.com/key) for AWS, path-style there too for a bucket
// whose name has dots (TLS wildcard certificates do not cover them).
//
// Each call is retried on kUnavailable-class failures (s3_error.hpp) up to `max_attempts` times
// with growing pauses, except a GET that already handed bytes to its sink; then it is counted once
// in the storage metrics (observability::RecordStorageCall) and any failure thrown as core::Error.
// Thread-safe: no mutable state but the credentials provider's (itself thread-safe).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.hpp"
#include "storage/s3/bucket_address.hpp"
#include "storage/s3/canonical_request.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/http_call.hpp"

namespace migration::storage::s3 {

struct S3Config {
  std::string bucket;
  std::string region = "us-east-1";
  std::string endpoint_url;            // "" for AWS; else e.g. "http://127.0.0.1:9000" (path-style)
  std::string server_side_encryption;  // "", "AES256" or "aws:kms": on PutObject and CreateMultipartUpload
  std::string sse_kms_key_id;          // with aws:kms; "" for the account's default key
  int list_page_size = 0;              // max-keys per ListObjectsV2 page; 0: S3's default (1000)
  int max_attempts = 3;
  std::chrono::milliseconds first_retry_delay{100};  // then x4 per attempt
  long connect_timeout_ms = 5000;
  long low_speed_seconds = 30;
  std::string connect_to;  // tests only (HttpRequest::connect_to)
};

struct ListPage {
  std::vector<ObjectInfo> objects;      // keys are the bucket's full keys
  std::string next_continuation_token;  // "" on the last page
};

class S3Client {
 public:
  S3Client(S3Config config, std::shared_ptr<CredentialsProvider> credentials);

  const S3Config& config() const { return config_; }
  const BucketAddress& address() const { return address_; }
  // "s3://bucket/key"
  std::string Location(std::string_view key) const;

  void PutObject(std::string_view key, std::string_view bytes);
  void GetObject(std::string_view key, const std::function<void(std::string_view)>& sink);
  std::optional<ObjectInfo> HeadObject(std::string_view key);
  ListPage ListObjectsV2(std::string_view prefix, std::string_view continuation_token);
  void DeleteObject(std::string_view key);

  std::string CreateMultipartUpload(std::string_view key);
  // Returns the part's ETag (quoted, as S3 gives it).
  std::string UploadPart(std::string_view key, std::string_view upload_id, int part_number, std::string_view bytes);
  void CompleteMultipartUpload(std::string_view key, std::string_view upload_id, const std::vector<std::string>& etags);
  void AbortMultipartUpload(std::string_view key, std::string_view upload_id);

  // A presigned URL (presign.hpp) for `method` on `key` with the operation's `query`, signed now
  // with the current credentials, addressed as this client's own requests. No request is made.
  std::string PresignUrl(std::string_view method, std::string_view key, const QueryParams& query,
                         std::chrono::seconds valid_for) const;

 private:
  struct Call {
    std::string_view operation;  // metric name: "put_object", ...
    std::string method;
    std::string_view key;
    QueryParams query;
    std::vector<std::string> headers;
    std::string_view body;
    const std::function<void(std::string_view)>* sink = nullptr;
    bool missing_ok = false;    // a 404 is an answer, not an error (HEAD, DELETE)
    bool error_in_200 = false;  // a 200 may carry an <Error> (CompleteMultipartUpload)
  };

  HttpResponse Execute(const Call& call) const;
  HttpResponse Attempt(const Call& call, const std::string& url, const std::string& payload_hash) const;
  std::string Url(std::string_view key, const QueryParams& query) const;
  std::vector<std::string> EncryptionHeaders() const;

  S3Config config_;
  std::shared_ptr<CredentialsProvider> credentials_;
  BucketAddress address_;  // where requests go (bucket_address.hpp), shared with the presigner
};

}  // namespace migration::storage::s3
