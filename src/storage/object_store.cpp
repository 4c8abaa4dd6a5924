#include "storage/object_store.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "storage/file_object_store.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/s3_object_store.hpp"

namespace migration::storage {
namespace {

constexpr uint64_t kMinPartSize = 8ULL << 20;
constexpr uint64_t kMaxPartSize = 64ULL << 20;

using core::Error;
using core::ErrorCode;

// S3's bucket naming rules: 3-63 characters, lower-case letters, digits, '.' and '-', starting
// and ending with a letter or digit.
bool ValidBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  return std::all_of(bucket.begin(), bucket.end(), [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

}  // namespace

std::unique_ptr<ObjectStore> OpenObjectStore(const std::string& url, const StorageOptions& options) {
  const std::string_view text = url;
  if (text.starts_with("file://")) {
    const std::string_view path = text.substr(7);
    if (path.empty())
      throw Error(ErrorCode::kBadRequest, "STORAGE_URL file:// needs a folder, e.g. file://var/objects");
    return std::make_unique<FileObjectStore>(std::string(path));
  }
  if (text.starts_with("s3://")) {
    std::string_view rest = text.substr(5);
    const size_t slash = rest.find('/');
    const std::string_view bucket = rest.substr(0, slash);
    std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    while (prefix.starts_with('/')) prefix.remove_prefix(1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (!ValidBucketName(bucket)) {
      throw Error(ErrorCode::kBadRequest, "STORAGE_URL " + url + ": \"" + std::string(bucket) +
                                              "\" is not an S3 bucket name (3-63 characters: a-z 0-9 . -)");
    }
    if (!options.server_side_encryption.empty() && options.server_side_encryption != "AES256" &&
        options.server_side_encryption != "aws:kms") {
      throw Error(ErrorCode::kBadRequest,
                  "S3_SSE must be empty, AES256 or aws:kms, not " + options.server_side_encryption);
    }
    s3::S3Config config;
    config.bucket = std::string(bucket);
    config.region = options.aws_region.empty() ? "us-east-1" : options.aws_region;
    config.endpoint_url = options.s3_endpoint_url;
    config.server_side_encryption = options.server_side_encryption;
    config.sse_kms_key_id = options.sse_kms_key_id;
    auto client = std::make_shared<s3::S3Client>(config, std::make_shared<s3::DefaultCredentialsProvider>());
    const uint64_t part_size = std::clamp(options.part_size, kMinPartSize, kMaxPartSize);
    return std::make_unique<s3::S3ObjectStore>(std::move(client), std::string(prefix), part_size);
  }
  throw Error(ErrorCode::kBadRequest, "STORAGE_URL must be file://FOLDER or s3://BUCKET[/PREFIX], not \"" + url + "\"");
}

}  // namespace migration::storage
