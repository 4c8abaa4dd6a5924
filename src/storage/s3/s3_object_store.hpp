#pragma once
// ObjectStore on an S3 bucket, under an optional key prefix ("s3://bucket/prefix": keys are
// stored as "prefix/KEY"). The calls themselves are S3Client's.

#include <memory>
#include <string>

#include "storage/object_store.hpp"
#include "storage/s3/s3_client.hpp"

namespace migration::storage::s3 {

class S3ObjectStore : public ObjectStore {
 public:
  // `prefix` without leading or trailing '/' ("" for the whole bucket).
  S3ObjectStore(std::shared_ptr<S3Client> client, std::string prefix, uint64_t part_size);

  std::string Location(std::string_view key) const override;
  void Put(std::string_view key, std::string_view bytes) override;
  std::unique_ptr<ObjectWriter> OpenWriter(std::string_view key) override;
  std::string Get(std::string_view key) override;
  void Read(std::string_view key, const std::function<void(std::string_view)>& sink) override;
  std::optional<ObjectInfo> Head(std::string_view key) override;
  std::vector<ObjectInfo> List(std::string_view prefix) override;
  void Delete(std::string_view key) override;
  // Presigns prefix/KEY (S3Client::PresignUrl); a multipart upload of prefix/KEY with the
  // store's server-side encryption, as OpenWriter's.
  std::string PresignUrl(std::string_view method, std::string_view key,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         std::chrono::seconds valid_for) override;
  std::string StartMultipartUpload(std::string_view key) override;
  bool SupportsPresignedUrls() const override { return true; }
  std::string PresignedUrlOrigin() const override { return client_->address().origin; }

 private:
  std::string FullKey(std::string_view key) const;

  std::shared_ptr<S3Client> client_;
  std::string prefix_;  // "" or "prefix/"
  uint64_t part_size_;
};

}  // namespace migration::storage::s3
