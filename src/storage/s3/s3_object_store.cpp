#include "storage/s3/s3_object_store.hpp"

#include <utility>

#include "core/error.hpp"
#include "storage/s3/multipart_writer.hpp"

namespace migration::storage::s3 {

S3ObjectStore::S3ObjectStore(std::shared_ptr<S3Client> client, std::string prefix, uint64_t part_size)
    : client_(std::move(client)), prefix_(std::move(prefix)), part_size_(part_size) {
  if (!prefix_.empty()) prefix_ += "/";
}

std::string S3ObjectStore::FullKey(std::string_view key) const {
  if (key.empty()) throw core::Error(core::ErrorCode::kInternal, "empty object key");
  return prefix_ + std::string(key);
}

std::string S3ObjectStore::Location(std::string_view key) const {
  return client_->Location(prefix_ + std::string(key));
}

void S3ObjectStore::Put(std::string_view key, std::string_view bytes) { client_->PutObject(FullKey(key), bytes); }

std::unique_ptr<ObjectWriter> S3ObjectStore::OpenWriter(std::string_view key) {
  return std::make_unique<MultipartWriter>(client_, FullKey(key), std::string(key), part_size_);
}

std::string S3ObjectStore::Get(std::string_view key) {
  std::string bytes;
  client_->GetObject(FullKey(key), [&bytes](std::string_view chunk) { bytes.append(chunk); });
  return bytes;
}

void S3ObjectStore::Read(std::string_view key, const std::function<void(std::string_view)>& sink) {
  client_->GetObject(FullKey(key), sink);
}

std::optional<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  std::optional<ObjectInfo> info = client_->HeadObject(FullKey(key));
  if (info) info->key = std::string(key);
  return info;
}

std::vector<ObjectInfo> S3ObjectStore::List(std::string_view prefix) {
  std::vector<ObjectInfo> objects;
  std::string token;
  do {
    ListPage page = client_->ListObjectsV2(prefix_ + std::string(prefix), token);
    for (ObjectInfo& object : page.objects) {
      if (!object.key.starts_with(prefix_)) continue;  // cannot happen: S3 filtered by this prefix
      object.key.erase(0, prefix_.size());
      objects.push_back(std::move(object));
    }
    token = std::move(page.next_continuation_token);
  } while (!token.empty());
  return objects;
}

void S3ObjectStore::Delete(std::string_view key) { client_->DeleteObject(FullKey(key)); }

std::string S3ObjectStore::PresignUrl(std::string_view method, std::string_view key,
                                      const std::vector<std::pair<std::string, std::string>>& query,
                                      std::chrono::seconds valid_for) {
  return client_->PresignUrl(method, FullKey(key), query, valid_for);
}

std::string S3ObjectStore::StartMultipartUpload(std::string_view key) {
  return client_->CreateMultipartUpload(FullKey(key));
}

}  // namespace migration::storage::s3
