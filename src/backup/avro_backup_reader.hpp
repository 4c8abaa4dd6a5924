#pragma once
// Reads a backup file written by AvroBackupWriter (or any Avro container file with the same
// header) back into rows, refusing anything that is not exactly a complete backup of the table.
//
// Two passes over the file, memory flat whatever its size:
//  1. Structure, before any row reaches the sink: magic and header, the schema equal to the
//     table's (field names, types, timestamp-micros; a departments file offered to jobs is
//     refused), codec deflate or null, every block present with the header's sync marker, the file
//     ending right after the last one, the sum of the blocks' record counts equal to the header's
//     migration-api.rows (so a file cut exactly between blocks is refused too), and the SHA-256.
//     When `expected_sha256_hex` is given and differs, the file is refused here.
//  2. Records, decoded by avro-c block by block and handed to the sink one at a time.
//
// Errors: core::Error(kUnprocessable) for every problem with the file's content (empty, not Avro,
// other table, cut short, sync marker, bad block data, undecodable record); it becomes a 4xx
// because the backup, not the service, is at fault. kInternal when the file cannot be opened or read.
//
// Partial delivery: a problem of pass 1 is reported before the sink sees any row. Pass 2 can still
// fail after some rows were delivered, because deflate data carries no checksum: a changed byte
// inside a block is found only when avro-c cannot decode it, and a change that still decodes yields
// wrong values. So (a) the caller treats any exception as "discard everything delivered" (a restore
// stages rows in one transaction and rolls back), and (b) it passes the SHA-256 recorded when the
// backup was written: then a changed file is refused in pass 1, and pass 2 only ever decodes the
// bytes the writer produced (which also rules out a crafted block that inflates without bound).
//
// Values are checked for type only (int, string, long); the caller applies the data rules.
// Thread safety: as avro_c.hpp; the sink is called without avro-c's lock held.

#include <filesystem>
#include <functional>
#include <string>

#include "backup/avro_file_summary.hpp"
#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::backup {

struct AvroReadOptions {
  std::string expected_sha256_hex;  // lower-case hex; empty: not checked
};

AvroFileSummary ReadAvroBackup(core::Table table, const std::filesystem::path& file,
                               const std::function<void(const core::Row&)>& sink, const AvroReadOptions& options = {});

}  // namespace migration::backup
