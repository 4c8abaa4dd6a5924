#pragma once
// Writes one table's rows as an Avro object container file (DESIGN §5 backups, issue #5): the
// table's record schema with a timestamp-micros logical type (avro_schema.hpp), deflate codec,
// a random 16-byte sync marker, and the row count in the header (avro_header.hpp).
//
// Rows stream through: memory is avro-c's block buffer (AvroWriterOptions::block_bytes) and a
// record value, whatever the row count. The file is complete only after Close(); a writer
// destroyed without Close() (an exception while the rows were produced) leaves a file whose header
// says "unfinished", which ReadAvroBackup refuses. The caller deletes it.
//
// Errors are core::Error(kInternal) (the file cannot be created or written: disk full, a
// directory that does not exist, an avro-c failure). One writer is used by one thread at a time;
// writers on different threads are independent (avro_c.hpp).

#include <avro.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "backup/avro_c.hpp"
#include "backup/avro_file_summary.hpp"
#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::backup {

struct AvroWriterOptions {
  // Uncompressed bytes per block (avro-c's datum buffer): the unit of compression and of reading.
  // 64 KiB, the Java implementation's default sync interval, holds ~2,000 hired_employees rows and
  // compresses about as well as larger blocks. A row must fit in one block (rows are < 300 bytes).
  // At most kAvroMaxWriterBlockBytes.
  size_t block_bytes = 64 * 1024;
};

// Readers refuse blocks above 64 MiB (avro_blocks.hpp), and avro-c's allocations are capped
// (avro_c.cpp); a writer block stays well inside both.
inline constexpr size_t kAvroMaxWriterBlockBytes = size_t{16} << 20;

class AvroBackupWriter {
 public:
  // Creates (or truncates) `file` and writes the header.
  AvroBackupWriter(core::Table table, std::filesystem::path file, AvroWriterOptions options = {});
  ~AvroBackupWriter();
  AvroBackupWriter(const AvroBackupWriter&) = delete;
  AvroBackupWriter& operator=(const AvroBackupWriter&) = delete;

  // Appends one row; only the fields of this table's columns are written (core/row.hpp).
  void Add(const core::Row& row);

  // Writes the last block, records the row count in the header and returns the file's summary
  // (its SHA-256 is read back from the file as written). Call once; no Add() afterwards.
  AvroFileSummary Close();

 private:
  core::Table table_;
  std::filesystem::path file_;
  uint64_t rows_offset_ = 0;
  uint64_t rows_ = 0;
  avro_c::Schema schema_;
  avro_c::ValueClass value_class_;
  avro_c::Value value_;
  avro_file_writer_t writer_ = nullptr;
};

}  // namespace migration::backup
