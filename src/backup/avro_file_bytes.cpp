#include "backup/avro_file_bytes.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "backup/avro_binary.hpp"
#include "core/error.hpp"

namespace migration::backup {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

}  // namespace

AvroFileBytes::AvroFileBytes(std::FILE* file) : file_(file), buffer_(kBufferBytes) {
  struct stat status {};
  if (fstat(fileno(file_), &status) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
    throw core::Error(
        core::ErrorCode::kInternal,
        std::string("cannot read the backup file: ") +
            std::strerror(
                errno));  // NOLINT(concurrency-mt-unsafe): glibc's strerror is thread-safe for known errno values
  }
  size_ = static_cast<uint64_t>(status.st_size);
}

void AvroFileBytes::Fill(std::string_view what) {
  if (offset_ >= size_) CutShort(what);
  buffer_position_ = 0;
  buffer_end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (buffer_end_ == 0) {
    if (std::ferror(file_) != 0)
      throw core::Error(core::ErrorCode::kInternal, "cannot read the backup file (I/O error)");
    // The file shrank while being read: the same as a cut-short file.
    CutShort(what);
  }
  sha256_.Update(std::string_view(buffer_.data(), buffer_end_));
}

unsigned char AvroFileBytes::Byte(std::string_view what) {
  if (buffer_position_ == buffer_end_) Fill(what);
  ++offset_;
  return static_cast<unsigned char>(buffer_[buffer_position_++]);
}

int64_t AvroFileBytes::Long(std::string_view what) {
  const uint64_t start = offset_;
  AvroLongDecoder decoder;
  for (size_t i = 0; i < kAvroMaxVarintBytes; ++i) {
    if (const auto value = decoder.Feed(Byte(what))) return *value;
    if (decoder.overflow()) break;
  }
  Corrupted("the " + std::string(what) + " at byte " + std::to_string(start) + " is not a valid Avro long");
}

void AvroFileBytes::Bytes(uint64_t count, std::string* out, std::string_view what) {
  // Checked against the size first, so that a corrupted length neither allocates nor loops long.
  if (count > size_ - offset_) CutShort(what);
  while (count > 0) {
    if (buffer_position_ == buffer_end_) Fill(what);
    const size_t take = static_cast<size_t>(std::min<uint64_t>(count, buffer_end_ - buffer_position_));
    if (out != nullptr) out->append(buffer_.data() + buffer_position_, take);
    buffer_position_ += take;
    offset_ += take;
    count -= take;
  }
}

std::string AvroFileBytes::FinishSha256() {
  if (!AtEnd()) throw core::Error(core::ErrorCode::kInternal, "backup file checksum taken before its end");
  return sha256_.FinishHex();
}

void AvroFileBytes::Corrupted(const std::string& why) const {
  throw core::Error(core::ErrorCode::kUnprocessable, "the backup file is corrupted: " + why);
}

void AvroFileBytes::CutShort(std::string_view what) const {
  throw core::Error(core::ErrorCode::kUnprocessable, "the backup file is cut short: it ends at byte " +
                                                         std::to_string(size_) + ", inside the " + std::string(what));
}

}  // namespace migration::backup
