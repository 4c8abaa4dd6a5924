#include "storage/s3/multipart_writer.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"

namespace migration::storage::s3 {

MultipartWriter::MultipartWriter(std::shared_ptr<S3Client> client, std::string key, std::string store_key,
                                 uint64_t part_size)
    : client_(std::move(client)), key_(std::move(key)), store_key_(std::move(store_key)), part_size_(part_size) {}

MultipartWriter::~MultipartWriter() { Discard(); }

void MultipartWriter::CheckOpen() const {
  if (state_ != State::kOpen) {
    throw core::Error(core::ErrorCode::kInternal, "write to a finished or aborted object: " + client_->Location(key_));
  }
}

void MultipartWriter::Write(std::string_view bytes) {
  CheckOpen();
  try {
    while (!bytes.empty()) {
      // A full buffer goes out only once more bytes come: an object of exactly one part stays a
      // single PUT.
      if (buffer_.size() == part_size_) UploadBufferedPart();
      if (buffer_.capacity() < part_size_) buffer_.reserve(part_size_);
      const size_t n = std::min<uint64_t>(bytes.size(), part_size_ - buffer_.size());
      buffer_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      size_ += n;
    }
  } catch (...) {
    Abort();
    throw;
  }
}

void MultipartWriter::UploadBufferedPart() {
  if (upload_id_.empty()) upload_id_ = client_->CreateMultipartUpload(key_);
  etags_.push_back(client_->UploadPart(key_, upload_id_, static_cast<int>(etags_.size()) + 1, buffer_));
  buffer_.clear();
}

ObjectInfo MultipartWriter::Finish() {
  CheckOpen();
  try {
    if (upload_id_.empty()) {
      client_->PutObject(key_, buffer_);
    } else {
      if (!buffer_.empty()) UploadBufferedPart();
      client_->CompleteMultipartUpload(key_, upload_id_, etags_);
    }
  } catch (...) {
    Abort();
    throw;
  }
  state_ = State::kFinished;
  std::string().swap(buffer_);
  // S3 does not say when it stored the object: last_modified stays empty (Head() has it).
  return ObjectInfo{store_key_, size_, ""};
}

void MultipartWriter::Abort() noexcept { Discard(); }

void MultipartWriter::Discard() noexcept {
  if (state_ != State::kOpen) return;
  state_ = State::kAborted;
  std::string().swap(buffer_);
  if (upload_id_.empty()) return;
  try {
    client_->AbortMultipartUpload(key_, upload_id_);
  } catch (...) {  // NOLINT(bugprone-empty-catch): Abort never throws; the failure is counted in the metrics
  }
}

}  // namespace migration::storage::s3
