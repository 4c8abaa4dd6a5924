#pragma once
// ObjectWriter for S3: bytes collect in one part-sized buffer; each full buffer becomes an
// UploadPart of a multipart upload (created with the first full part), and Finish() sends the
// rest as the last part and completes the upload. An object that never outgrows one part is a
// single PutObject at Finish(). Memory: one part (8..64 MiB) per open writer.
// Any failure, an Abort() or destruction before Finish() aborts the multipart upload, so S3 keeps
// no orphan parts (which it would bill until a lifecycle rule removed them).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.hpp"
#include "storage/s3/s3_client.hpp"

namespace migration::storage::s3 {

class MultipartWriter : public ObjectWriter {
 public:
  // `key`: the full key in the bucket; `store_key`: the same relative to the store (ObjectInfo::key).
  MultipartWriter(std::shared_ptr<S3Client> client, std::string key, std::string store_key, uint64_t part_size);
  ~MultipartWriter() override;
  MultipartWriter(const MultipartWriter&) = delete;
  MultipartWriter& operator=(const MultipartWriter&) = delete;

  void Write(std::string_view bytes) override;
  ObjectInfo Finish() override;
  void Abort() noexcept override;

  int parts_uploaded() const { return static_cast<int>(etags_.size()); }

 private:
  enum class State { kOpen, kFinished, kAborted };

  void UploadBufferedPart();
  void Discard() noexcept;  // Abort(), not virtual: the destructor calls it too
  void CheckOpen() const;

  std::shared_ptr<S3Client> client_;
  std::string key_;
  std::string store_key_;
  uint64_t part_size_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  uint64_t size_ = 0;
  State state_ = State::kOpen;
};

}  // namespace migration::storage::s3
