#pragma once
// Object storage behind one interface: a local folder (`file://PATH`, the default) or S3
// (`s3://bucket/prefix`, any S3-compatible endpoint). Keys are relative to the store's root or
// prefix ("uploads/departments/2026/11/27/42.csv"). Calls block: callers run them on worker threads,
// never on the HTTP I/O threads. Failures throw core::Error: kUnavailable when the store cannot be
// reached or answers 5xx (callers answer 503 + Retry-After), kNotFound for a missing object,
// kInternal for anything else (a refused signature, a malformed answer).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migration::storage {

struct ObjectInfo {
  std::string key;            // relative to the store's root/prefix
  uint64_t size = 0;          // bytes
  std::string last_modified;  // RFC 3339 UTC, e.g. "2026-11-27T02:00:00Z" (empty when unknown)
};

// A streamed upload: bytes go out as they come, memory stays bounded (S3: multipart upload with
// parts of `part_size` bytes once the object outgrows one part; a small object is one PUT).
// Nothing is visible under the key until Finish() returns. Destroying an unfinished writer aborts
// it (S3: AbortMultipartUpload; file: the temporary file is removed).
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual void Write(std::string_view bytes) = 0;
  // Completes the object and returns what was stored (S3 does not say when it stored it:
  // last_modified is empty there; Head() has it).
  virtual ObjectInfo Finish() = 0;
  // Drops everything written so far; never throws. Safe to call more than once.
  virtual void Abort() noexcept = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Where `key` lives, for people and load records: "s3://bucket/prefix/key" or "file:///abs/path/key".
  virtual std::string Location(std::string_view key) const = 0;

  virtual void Put(std::string_view key, std::string_view bytes) = 0;
  virtual std::unique_ptr<ObjectWriter> OpenWriter(std::string_view key) = 0;
  // The whole object (for small objects; large ones through Read).
  virtual std::string Get(std::string_view key) = 0;
  // Streams the object to `sink` in chunks as they arrive.
  virtual void Read(std::string_view key, const std::function<void(std::string_view)>& sink) = 0;
  // Size and time of the object, or nullopt when there is none.
  virtual std::optional<ObjectInfo> Head(std::string_view key) = 0;
  // Every object whose key starts with `prefix`, in key order (all pages).
  virtual std::vector<ObjectInfo> List(std::string_view prefix) = 0;
  // Removes the object; removing a missing object is not an error.
  virtual void Delete(std::string_view key) = 0;

  // Direct transfers between a client and the store, for clients (browsers) that must not get
  // credentials and whose bytes need not pass through the service.
  //
  // A URL that lets a client without credentials make one `method` request on `key` (with the
  // extra query parameters, e.g. partNumber/uploadId) until `valid_for` has passed. Throws
  // core::Error(kBadRequest) on a store that has no such URLs (a local folder), for a method
  // other than GET, HEAD, PUT, POST, DELETE, or `valid_for` outside 1 s..7 days. S3: signed with
  // the service's own credentials, so the URL can do only what the service's role may do, and
  // it stops working early if those are temporary credentials that expire first (presign.hpp).
  virtual std::string PresignUrl(std::string_view method, std::string_view key,
                                 const std::vector<std::pair<std::string, std::string>>& query,
                                 std::chrono::seconds valid_for) = 0;
  // Starts a multipart upload of `key` whose parts a client will PUT through presigned URLs;
  // returns the UploadId. (S3 only; kBadRequest elsewhere.) Nothing appears under `key` until the
  // upload is completed; one never completed is removed by the bucket's lifecycle rule
  // (AbortIncompleteMultipartUpload, infrastructure/).
  virtual std::string StartMultipartUpload(std::string_view key) = 0;
  virtual bool SupportsPresignedUrls() const = 0;
  // scheme://host[:port] of the presigned URLs ("" without them): the web page's
  // Content-Security-Policy lets it connect there and nowhere else.
  virtual std::string PresignedUrlOrigin() const = 0;
};

struct StorageOptions {
  std::string s3_endpoint_url;           // S3_ENDPOINT_URL: empty for AWS (virtual-hosted), else path-style
  std::string aws_region = "us-east-1";  // AWS_REGION
  std::string server_side_encryption;    // S3_SSE: "", "AES256" or "aws:kms"
  std::string sse_kms_key_id;            // S3_SSE_KMS_KEY_ID (with aws:kms)
  uint64_t part_size = 16ULL << 20;      // multipart part size, clamped to 8..64 MiB
};

// "file://var/objects" (relative to the working directory), "file:///abs/dir", "s3://bucket" or
// "s3://bucket/prefix". Throws core::Error (kBadRequest) for anything else.
std::unique_ptr<ObjectStore> OpenObjectStore(const std::string& url, const StorageOptions& options);

}  // namespace migration::storage
