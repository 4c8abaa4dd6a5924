#include "ingest/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace migration::ingest {
namespace {

constexpr bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Almost every field is plain ASCII: test eight bytes at once before falling back to the byte
// decoder. memcpy is the portable unaligned load; compilers turn it into one instruction.
constexpr size_t kWordBytes = sizeof(uint64_t);
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t pos = 0;
  while (pos < size) {
    if (size - pos >= kWordBytes) {
      uint64_t word = 0;
      std::memcpy(&word, bytes + pos, kWordBytes);
      if ((word & kHighBits) == 0) {
        pos += kWordBytes;
        continue;
      }
    }
    const unsigned char lead = bytes[pos];
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    // The lead byte fixes the length and the allowed range of the second byte (Table 3-7); the
    // narrowed ranges are what exclude overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return pos;  // 80..C1 (stray continuation, overlong 2-byte lead) or F5..FF (never valid)
    }
    if (size - pos < length) return pos;
    const unsigned char second = bytes[pos + 1];
    if (second < second_min || second > second_max) return pos;
    for (size_t i = 2; i < length; ++i) {
      if (!IsContinuation(bytes[pos + i])) return pos;
    }
    pos += length;
  }
  return std::string_view::npos;
}

}  // namespace migration::ingest
