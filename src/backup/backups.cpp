#include "backup/backups.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

#include "backup/avro_backup_reader.hpp"
#include "backup/avro_backup_writer.hpp"
#include "backup/restored_row_rules.hpp"
#include "backup/scratch_file.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace migration::backup {
namespace {

using core::Error;
using core::ErrorCode;

constexpr size_t kRestoreChunkRows = 10000;
constexpr size_t kCopyBytes = 1 << 20;

// "20261127T020304Z": sorts by time in object listings.
std::string CompactUtc(int64_t micros) {
  const std::string rfc3339 = core::FormatRfc3339(micros);  // 2026-11-27T02:03:04(.ffffff)Z
  std::string out;
  for (const char c : rfc3339.substr(0, 19)) {
    if (c != '-' && c != ':') out += c;
  }
  return out + "Z";
}

void UploadFile(storage::ObjectStore& store, const std::string& key, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInternal, "cannot read the backup's scratch file " + file.string());
  const auto writer = store.OpenWriter(key);
  std::vector<char> buffer(kCopyBytes);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) writer->Write(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  writer->Finish();
}

// Into the restore's own scratch file, through the descriptor mkstemp returned: these are the
// bytes the reader then checks (SHA-256) and restores, whatever other restores do meanwhile.
void DownloadFile(storage::ObjectStore& store, const std::string& key, const ScratchFile& file) {
  store.Read(key, [&file](std::string_view chunk) {
    while (!chunk.empty()) {
      const ssize_t written = ::write(file.fd(), chunk.data(), chunk.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        const std::error_code error(errno, std::generic_category());
        throw Error(ErrorCode::kInternal, "cannot write the restore's scratch file in " +
                                              file.path().parent_path().string() + ": " + error.message());
      }
      chunk.remove_prefix(static_cast<size_t>(written));
    }
  });
}

}  // namespace

std::string NewBackupId() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw Error(ErrorCode::kInternal, "the random number generator failed");
  }
  std::string id;
  for (const unsigned char byte : bytes) id += fmt::format("{:02x}", byte);
  return id;
}

db::BackupRecord CreateBackup(const BackupTarget& target, core::Table table) {
  db::BackupRecord backup;
  backup.id = NewBackupId();
  backup.table = table;
  backup.created_us = core::NowMicros();
  backup.key = fmt::format("backups/{}/{}-{}.avro", core::TableName(table), CompactUtc(backup.created_us), backup.id);
  backup.location = target.store.Location(backup.key);

  const ScratchFile file(target.scratch_dir, "migration-backup-", ".avro");
  AvroFileSummary summary;
  {
    AvroBackupWriter writer(table, file.path());
    target.db.ScanTable(table, [&writer](std::span<const core::Row> rows) {
      for (const core::Row& row : rows) writer.Add(row);
    });
    summary = writer.Close();
  }
  backup.rows = static_cast<int64_t>(summary.rows);
  backup.bytes = static_cast<int64_t>(summary.bytes);
  backup.sha256 = summary.sha256_hex;

  UploadFile(target.store, backup.key, file.path());
  try {
    target.db.RecordBackup(backup);
  } catch (...) {
    // Unrecorded, the object would be a backup nobody can list or restore: remove it.
    try {
      target.store.Delete(backup.key);
    } catch (...) {  // NOLINT(bugprone-empty-catch): the first error is the one to report
    }
    throw;
  }
  return backup;
}

RestoreSummary RestoreBackup(const BackupTarget& target, core::Table table, const std::string& backup_id) {
  const auto started = std::chrono::steady_clock::now();
  const auto backup = target.db.GetBackup(backup_id);
  if (!backup)
    throw Error(ErrorCode::kNotFound, fmt::format("there is no backup \"{}\" (GET /v1/backups lists them)", backup_id));
  if (backup->table != table) {
    throw Error(ErrorCode::kUnprocessable, fmt::format("backup {} holds {}, not {}", backup_id,
                                                       core::TableName(backup->table), core::TableName(table)));
  }
  // A private file per restore: concurrent restores of one backup each read their own download.
  const ScratchFile file(target.scratch_dir, "migration-restore-", ".avro");
  try {
    DownloadFile(target.store, backup->key, file);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kUnprocessable,
                fmt::format("the object of backup {} is missing from storage ({})", backup->id, backup->location));
  }

  // The restore begins with the first row (or after the whole file checked out, for an empty
  // backup): a file refused by the reader's first pass never locks or empties the table.
  std::unique_ptr<db::RestoreTransaction> restore;
  std::vector<core::Row> chunk;
  chunk.reserve(kRestoreChunkRows);
  uint64_t rows = 0;
  const auto flush = [&] {
    if (!restore) restore = target.db.BeginRestore(table);
    restore->Add(chunk);
    chunk.clear();
  };
  AvroReadOptions options;
  options.expected_sha256_hex = backup->sha256;
  ReadAvroBackup(
      table, file.path(),
      [&](const core::Row& row) {
        CheckRestoredRow(table, row, rows);
        chunk.push_back(row);
        ++rows;
        if (chunk.size() == kRestoreChunkRows) flush();
      },
      options);
  flush();
  restore->Commit();
  return {*backup, rows, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()};
}

}  // namespace migration::backup
