#pragma once
// Helpers shared by the backup tests: scratch files, rows of every table, and an independent look
// at a container file (its own small parser of the header and block framing, sharing no code with
// src/backup/, and avrocat from Debian's avro-bin for the records).

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backup/avro_backup_reader.hpp"
#include "backup/avro_backup_writer.hpp"
#include "core/error.hpp"
#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::backup::testing {

// A directory of its own per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("avro-backup-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path File(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

inline AvroFileSummary WriteRows(core::Table table, const std::filesystem::path& file,
                                 const std::vector<core::Row>& rows, AvroWriterOptions options = {}) {
  AvroBackupWriter writer(table, file, options);
  for (const core::Row& row : rows) writer.Add(row);
  return writer.Close();
}

struct ReadResult {
  std::vector<core::Row> rows;
  AvroFileSummary summary;
};

inline ReadResult ReadRows(core::Table table, const std::filesystem::path& file, const AvroReadOptions& options = {}) {
  ReadResult result;
  result.summary = ReadAvroBackup(
      table, file, [&](const core::Row& row) { result.rows.push_back(row); }, options);
  return result;
}

// A row of `table` with only that table's fields set (the others stay zero, as the reader gives).
inline core::Row MakeRow(core::Table table, int32_t id, std::string text, int64_t datetime_us = 0,
                         int32_t department_id = 0, int32_t job_id = 0) {
  core::Row row;
  row.id = id;
  row.text = std::move(text);
  if (table == core::Table::kHiredEmployees) {
    row.datetime_us = datetime_us;
    row.department_id = department_id;
    row.job_id = job_id;
  }
  return row;
}

// `count` varied rows of `table`, deterministic.
inline std::vector<core::Row> GeneratedRows(core::Table table, int count) {
  std::vector<core::Row> rows;
  rows.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    rows.push_back(MakeRow(table, i + 1, "Person " + std::to_string(i * 7919 % 100003) + " Ñandú",
                           int64_t{1'600'000'000'000'000} + int64_t{i} * 1'234'567, i % 12 + 1, i % 183 + 1));
  }
  return rows;
}

// --- an independent reading of the container framing ---------------------------------------------

struct ContainerView {
  std::map<std::string, std::string> metadata;
  std::string sync;
  size_t header_size = 0;
  struct Block {
    size_t offset = 0;       // of its record count
    size_t data_offset = 0;  // of its compressed bytes
    int64_t records = 0;
    int64_t size = 0;
    size_t sync_offset = 0;
  };
  std::vector<Block> blocks;
};

// Parses the container structure of `bytes`; throws std::runtime_error on anything unexpected.
inline ContainerView ViewContainer(const std::string& bytes) {
  size_t at = 0;
  auto take_long = [&]() {
    uint64_t bits = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= bytes.size()) throw std::runtime_error("varint past the end");
      const auto byte = static_cast<unsigned char>(bytes[at++]);
      bits |= uint64_t{byte & 0x7fU} << shift;
      if ((byte & 0x80U) == 0) return static_cast<int64_t>((bits >> 1) ^ (~(bits & 1) + 1));
    }
    throw std::runtime_error("varint too long");
  };
  auto take = [&](size_t n) {
    if (n > bytes.size() - at) throw std::runtime_error("bytes past the end");
    std::string out = bytes.substr(at, n);
    at += n;
    return out;
  };
  ContainerView view;
  if (take(4) != std::string("Obj\x01", 4)) throw std::runtime_error("no magic");
  for (int64_t count = take_long(); count != 0; count = take_long()) {
    if (count < 0) throw std::runtime_error("negative map block count (not written by us)");
    for (int64_t i = 0; i < count; ++i) {
      std::string key = take(static_cast<size_t>(take_long()));
      view.metadata[key] = take(static_cast<size_t>(take_long()));
    }
  }
  view.sync = take(16);
  view.header_size = at;
  while (at < bytes.size()) {
    ContainerView::Block block;
    block.offset = at;
    block.records = take_long();
    block.size = take_long();
    block.data_offset = at;
    take(static_cast<size_t>(block.size));
    block.sync_offset = at;
    if (take(16) != view.sync) throw std::runtime_error("sync marker differs");
    view.blocks.push_back(block);
  }
  return view;
}

// --- external tools -------------------------------------------------------------------------------

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");  // NOLINT(cert-env33-c): fixed tools, quoted scratch paths
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, read);
  result.status = pclose(pipe);
  return result;
}

inline std::string Quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace migration::backup::testing
