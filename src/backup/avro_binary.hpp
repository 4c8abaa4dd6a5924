#pragma once
// Avro's binary encoding of `long` (zig-zag, then base-128 varint, at most 10 bytes) and the
// container-file constants: the few pieces of the format that we read and write ourselves
// (header, block framing; see avro_header.hpp and avro_container_scan.hpp). Record data is
// encoded and decoded by avro-c.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace migration::backup {

inline constexpr std::string_view kAvroMagic{"Obj\x01", 4};
inline constexpr size_t kAvroSyncSize = 16;
using AvroSync = std::array<unsigned char, kAvroSyncSize>;

// At most 10 bytes encode a 64-bit value.
inline constexpr size_t kAvroMaxVarintBytes = 10;

inline void AppendAvroLong(std::string& out, int64_t value) {
  // Zig-zag maps small magnitudes of either sign to small unsigned values (in unsigned arithmetic:
  // the sign bit spread over all 64 bits, without shifting a negative value).
  const auto magnitude_and_sign = static_cast<uint64_t>(value);
  const uint64_t sign_mask = 0 - (magnitude_and_sign >> 63);
  uint64_t bits = (magnitude_and_sign << 1) ^ sign_mask;
  while (bits >= 0x80) {
    out.push_back(static_cast<char>((bits & 0x7f) | 0x80));
    bits >>= 7;
  }
  out.push_back(static_cast<char>(bits));
}

inline void AppendAvroBytes(std::string& out, std::string_view bytes) {
  AppendAvroLong(out, static_cast<int64_t>(bytes.size()));
  out.append(bytes);
}

// Incremental decoder of one zig-zag varint: Feed() bytes until it returns a value. nullopt from
// Feed() means "more bytes needed"; a varint longer than 10 bytes or one whose 10th byte carries
// bits beyond 64 makes overflow() true (a corrupted file, not a value).
class AvroLongDecoder {
 public:
  std::optional<int64_t> Feed(unsigned char byte) {
    if (shift_ == 63 && (byte & 0x7e) != 0) overflow_ = true;
    if (overflow_) return std::nullopt;
    bits_ |= static_cast<uint64_t>(byte & 0x7f) << shift_;
    if ((byte & 0x80) == 0) {
      const uint64_t bits = bits_;
      bits_ = 0;
      shift_ = 0;
      return static_cast<int64_t>(bits >> 1) ^ -static_cast<int64_t>(bits & 1);
    }
    shift_ += 7;
    if (shift_ > 63) overflow_ = true;
    return std::nullopt;
  }
  bool overflow() const { return overflow_; }
  bool started() const { return shift_ != 0; }

 private:
  uint64_t bits_ = 0;
  unsigned shift_ = 0;
  bool overflow_ = false;
};

}  // namespace migration::backup
