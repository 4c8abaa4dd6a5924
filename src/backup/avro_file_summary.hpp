#pragma once
// What a backup file holds, as the writer produced it or the reader found it.

#include <cstdint>
#include <string>

namespace migration::backup {

struct AvroFileSummary {
  uint64_t rows = 0;
  uint64_t bytes = 0;      // size of the whole file
  std::string sha256_hex;  // SHA-256 of the whole file, lower-case hex (64 characters)

  bool operator==(const AvroFileSummary&) const = default;
};

}  // namespace migration::backup
