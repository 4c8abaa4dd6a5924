#include "backup/avro_header.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>

#include "core/error.hpp"

namespace migration::backup {
namespace {

// Bounds on what a header may hold. Ours is under 1 KiB; the limits only keep a corrupted length
// from making the reader allocate or loop without end.
constexpr int64_t kMaxMetadataEntries = 64;
constexpr int64_t kMaxKeyBytes = 256;
constexpr int64_t kMaxValueBytes = 1 << 20;

bool IsDigits(std::string_view text) { return text.find_first_not_of("0123456789") == std::string_view::npos; }

}  // namespace

AvroHeaderBytes EncodeAvroHeader(std::string_view schema_json, std::string_view codec, const AvroSync& sync) {
  AvroHeaderBytes header;
  std::string& out = header.bytes;
  out.append(kAvroMagic);
  AppendAvroLong(out, 3);  // one map block of three entries
  AppendAvroBytes(out, kAvroSchemaKey);
  AppendAvroBytes(out, schema_json);
  AppendAvroBytes(out, kAvroCodecKey);
  AppendAvroBytes(out, codec);
  AppendAvroBytes(out, kAvroRowsKey);
  AppendAvroLong(out, static_cast<int64_t>(kAvroRowsDigits));
  header.rows_offset = out.size();
  out.append(kAvroRowsUnfinished);
  AppendAvroLong(out, 0);  // end of the map
  out.append(reinterpret_cast<const char*>(sync.data()), sync.size());
  return header;
}

std::string AvroRowsField(uint64_t rows) {
  std::string digits = std::to_string(rows);
  return std::string(kAvroRowsDigits - digits.size(), '0') + digits;
}

AvroHeader ReadAvroHeader(AvroFileBytes& bytes) {
  if (bytes.size() == 0) bytes.Corrupted("the file is empty");
  std::string magic;
  bytes.Bytes(std::min<uint64_t>(kAvroMagic.size(), bytes.size()), &magic, "Avro magic number");
  // A file shorter than the magic number that starts like one is cut short, not foreign.
  if (magic.size() < kAvroMagic.size() && kAvroMagic.starts_with(magic)) bytes.Bytes(1, nullptr, "Avro magic number");
  if (magic != kAvroMagic) bytes.Corrupted(R"(it is not an Avro object container file (no "Obj\x01" magic number))");

  AvroHeader header;
  bool has_schema = false;
  bool has_rows = false;
  std::set<std::string> keys;
  int64_t entries = 0;
  for (;;) {
    int64_t count = bytes.Long("header metadata");
    if (count == 0) break;
    if (count < 0) {
      // A negative count is followed by the block's size in bytes (to allow skipping), unused here.
      count = count == INT64_MIN ? INT64_MAX : -count;
      if (bytes.Long("header metadata") < 0) bytes.Corrupted("the header metadata has a negative block size");
    }
    if (count > kMaxMetadataEntries - entries) {
      bytes.Corrupted("the header metadata has more than " + std::to_string(kMaxMetadataEntries) + " entries");
    }
    entries += count;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t key_size = bytes.Long("header metadata key");
      if (key_size < 0 || key_size > kMaxKeyBytes) bytes.Corrupted("a header metadata key has an invalid length");
      std::string key;
      bytes.Bytes(static_cast<uint64_t>(key_size), &key, "header metadata key");
      const int64_t value_size = bytes.Long("header metadata value");
      if (value_size < 0 || value_size > kMaxValueBytes) {
        bytes.Corrupted("the header metadata value of " + key + " has an invalid length");
      }
      std::string value;
      bytes.Bytes(static_cast<uint64_t>(value_size), &value, "header metadata value of " + key);
      if (!keys.insert(key).second) bytes.Corrupted("the header metadata holds " + key + " twice");
      if (key == kAvroSchemaKey) {
        header.schema_json = std::move(value);
        has_schema = true;
      } else if (key == kAvroCodecKey) {
        header.codec = std::move(value);
      } else if (key == kAvroRowsKey) {
        has_rows = true;
        uint64_t rows = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), rows);
        // Twenty digits can exceed uint64_t (from_chars then fails): that is no count either.
        if (value.size() == kAvroRowsDigits && IsDigits(value) && error == std::errc() &&
            end == value.data() + value.size()) {
          header.rows = rows;
        } else if (value != kAvroRowsUnfinished) {
          bytes.Corrupted("the header's " + std::string(kAvroRowsKey) + " is not a row count");
        }
      }
    }
  }
  if (!has_schema) bytes.Corrupted("the header has no avro.schema");
  if (!has_rows) {
    throw core::Error(core::ErrorCode::kUnprocessable,
                      "the file is not a migration-api backup: its header has no " + std::string(kAvroRowsKey));
  }
  if (!header.rows) {
    throw core::Error(
        core::ErrorCode::kUnprocessable,
        "the backup file is incomplete: its writer stopped before finishing it (no row count in the header)");
  }
  if (header.codec.empty()) header.codec = "null";
  if (header.codec != "null" && header.codec != "deflate") {
    throw core::Error(core::ErrorCode::kUnprocessable, "the backup file uses the Avro codec \"" +
                                                           header.codec.substr(0, 32) +
                                                           "\"; backups are read with codec deflate or null");
  }
  std::string sync;
  bytes.Bytes(kAvroSyncSize, &sync, "header sync marker");
  std::copy(sync.begin(), sync.end(), header.sync.begin());
  return header;
}

}  // namespace migration::backup
