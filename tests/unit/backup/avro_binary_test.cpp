// Tests of Avro's zig-zag varint encoding as src/backup/avro_binary.hpp writes and reads it.

#include "backup/avro_binary.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace migration::backup {
namespace {

std::optional<int64_t> Decode(const std::string& bytes, bool* overflow = nullptr) {
  AvroLongDecoder decoder;
  for (const char byte : bytes) {
    if (const auto value = decoder.Feed(static_cast<unsigned char>(byte))) return value;
  }
  if (overflow != nullptr) *overflow = decoder.overflow();
  return std::nullopt;
}

TEST(AvroBinary, EncodesTheSpecExamples) {
  // Avro specification, "Binary Encoding": 0 -> 00, -1 -> 01, 1 -> 02, -2 -> 03, 2 -> 04, -64 -> 7f, 64 -> 80 01.
  const std::pair<int64_t, std::string> examples[] = {
      {0, std::string(1, '\0')}, {-1, "\x01"}, {1, "\x02"}, {-2, "\x03"}, {2, "\x04"}, {-64, "\x7f"}, {64, "\x80\x01"}};
  for (const auto& [value, expected] : examples) {
    std::string out;
    AppendAvroLong(out, value);
    EXPECT_EQ(out, expected) << value;
  }
}

TEST(AvroBinary, RoundTripsExtremes) {
  for (const int64_t value :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-65}, int64_t{std::numeric_limits<int32_t>::max()},
        int64_t{std::numeric_limits<int32_t>::min()}, std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::min()}) {
    std::string out;
    AppendAvroLong(out, value);
    EXPECT_LE(out.size(), kAvroMaxVarintBytes);
    EXPECT_EQ(Decode(out), value);
  }
}

TEST(AvroBinary, RefusesVarintsBeyondSixtyFourBits) {
  bool overflow = false;
  EXPECT_EQ(Decode(std::string(10, '\xff') + "\x01", &overflow), std::nullopt);
  EXPECT_TRUE(overflow);
  overflow = false;
  EXPECT_EQ(Decode(std::string(9, '\xff') + "\x02", &overflow), std::nullopt);  // bit 64 set
  EXPECT_TRUE(overflow);
  EXPECT_EQ(Decode(std::string(9, '\xff') + "\x01"), std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace migration::backup
