#pragma once
// Table backups and restores (DESIGN §5, issue 5): a table's rows from one consistent snapshot
// become an Avro object in object storage (`backups/{table}/{timestamp}-{backup_id}.avro`), and a
// recorded backup replaces a table's rows in one transaction.
//
// Both stage the Avro file in a scratch directory (avro-c writes and reads files): memory stays
// flat whatever the table size; disk holds one file at a time per operation.

#include <cstdint>
#include <filesystem>
#include <string>

#include "backup/scratch_file.hpp"
#include "core/table.hpp"
#include "db/database.hpp"
#include "storage/object_store.hpp"

namespace migration::backup {

struct BackupTarget {
  db::Database& db;
  storage::ObjectStore& store;
  // Where the Avro file is staged, each operation in its own private file (SCRATCH_DIR).
  std::filesystem::path scratch_dir = ScratchDirectory("");
};

// Writes the backup, then records it. Throws core::Error: kUnavailable when the database or the
// store cannot be reached (nothing is recorded, the object is removed), kInternal otherwise.
db::BackupRecord CreateBackup(const BackupTarget& target, core::Table table);

struct RestoreSummary {
  db::BackupRecord backup;
  uint64_t rows = 0;
  double duration_ms = 0;
};

// Replaces every row of `table` with backup `backup_id`, or changes nothing. Throws core::Error:
// kNotFound (no such backup), kUnprocessable (the backup is of another table, its object is
// corrupt or truncated, or a row breaks the data rules), kConflict (restoring would leave hires
// without their department or job, or the backup repeats an id), kUnavailable (database or store).
RestoreSummary RestoreBackup(const BackupTarget& target, core::Table table, const std::string& backup_id);

// 32 random hex digits (OpenSSL's generator).
std::string NewBackupId();

}  // namespace migration::backup
