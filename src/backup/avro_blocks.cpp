#include "backup/avro_blocks.hpp"

#include <cstring>
#include <string>

namespace migration::backup {
namespace {

// Deflate expands at most 1032:1 and a record takes at least one byte per field (at least two), so
// a count above this is corrupted. It also keeps the sum of counts far from overflowing.
constexpr int64_t kMaxRecordsPerByte = 1032;

}  // namespace

AvroBlockCounts ScanAvroBlocks(AvroFileBytes& bytes, const AvroHeader& header) {
  AvroBlockCounts counts;
  std::string sync;
  while (!bytes.AtEnd()) {
    const uint64_t start = bytes.offset();
    const std::string block = "block " + std::to_string(counts.blocks + 1) + " (at byte " + std::to_string(start) + ")";
    const int64_t records = bytes.Long("record count of " + block);
    const int64_t size = bytes.Long("size of " + block);
    if (records <= 0 || size <= 0 || size > kAvroMaxBlockBytes || records > size * kMaxRecordsPerByte) {
      bytes.Corrupted(block + " claims " + std::to_string(records) + " records in " + std::to_string(size) + " bytes");
    }
    bytes.Bytes(static_cast<uint64_t>(size), nullptr, "data of " + block);
    sync.clear();
    bytes.Bytes(kAvroSyncSize, &sync, "sync marker of " + block);
    if (std::memcmp(sync.data(), header.sync.data(), kAvroSyncSize) != 0) {
      bytes.Corrupted("the sync marker after " + block + " does not match the header's");
    }
    ++counts.blocks;
    counts.records += static_cast<uint64_t>(records);
  }
  return counts;
}

}  // namespace migration::backup
