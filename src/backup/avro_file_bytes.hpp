#pragma once
// A buffered, forward-only reader of a backup file for the structural scan (avro_header.hpp,
// avro_blocks.hpp). It hashes every byte it reads, knows the file's size up front (so that a
// length field pointing past the end is reported as a cut-short file before anything is read or
// allocated), and reports every problem as core::Error(kUnprocessable) naming the byte offset.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "backup/avro_sha256.hpp"

namespace migration::backup {

class AvroFileBytes {
 public:
  // Reads `file` from its start; the caller keeps it open for the lifetime of this object.
  explicit AvroFileBytes(std::FILE* file);

  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  bool AtEnd() const { return offset_ == size_; }

  // Each throws when the file ends first; `what` names the field for the message.
  unsigned char Byte(std::string_view what);
  int64_t Long(std::string_view what);
  // Appends `count` bytes to `out`, or skips them when `out` is null.
  void Bytes(uint64_t count, std::string* out, std::string_view what);

  // The SHA-256 of the whole file; only once AtEnd().
  std::string FinishSha256();

  [[noreturn]] void Corrupted(const std::string& why) const;

 private:
  [[noreturn]] void CutShort(std::string_view what) const;
  void Fill(std::string_view what);

  std::FILE* file_;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;  // bytes consumed
  std::vector<char> buffer_;
  size_t buffer_position_ = 0;
  size_t buffer_end_ = 0;
  AvroSha256 sha256_;
};

}  // namespace migration::backup
