#pragma once
// The structural check of a container file's data blocks, before avro-c decodes any of them.
//
// avro-c 1.11.1's file reader trusts the file: it allocates whatever a block's length field says,
// ignores a deflate error in a block (and then decodes stale or empty data), and reports the end
// of the file and a block cut short alike ("Cannot read 1 bytes from file"). So every block is
// walked here first: count, size, data present, sync marker equal to the header's, and the file
// ending exactly after a sync marker.

#include <cstdint>

#include "backup/avro_file_bytes.hpp"
#include "backup/avro_header.hpp"

namespace migration::backup {

// A block holds at most this many compressed bytes. avro-c's blocks are as large as the writer's
// block size (64 KiB for ours; see avro_backup_writer.hpp) plus deflate's few bytes of overhead.
inline constexpr int64_t kAvroMaxBlockBytes = int64_t{64} << 20;

struct AvroBlockCounts {
  uint64_t blocks = 0;
  uint64_t records = 0;
};

// Walks every block from the current position of `bytes` to the end of the file. Throws
// core::Error(kUnprocessable) on a block cut short, a wrong sync marker, a count or size out of
// range, or bytes after the last sync marker that do not form a block.
AvroBlockCounts ScanAvroBlocks(AvroFileBytes& bytes, const AvroHeader& header);

}  // namespace migration::backup
