#pragma once
// The Avro container header (magic, metadata map, sync marker), written and read by our own code:
// avro-c 1.11.1 drops the "logicalType" of the schema it writes into a header, and cannot read a
// header without trusting its lengths. Record blocks after the header are avro-c's.
//
// Besides avro.schema and avro.codec, our header carries "migration-api.rows": the number of rows,
// as 20 decimal digits. The writer reserves it (as kAvroRowsUnfinished) and fills it in on Close(),
// in place: Avro has no trailer, so without it a file cut exactly after a block would read as a
// valid, shorter backup. Other Avro readers ignore metadata they do not know (spec: only the
// "avro." prefix is reserved).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backup/avro_binary.hpp"
#include "backup/avro_file_bytes.hpp"

namespace migration::backup {

inline constexpr std::string_view kAvroSchemaKey = "avro.schema";
inline constexpr std::string_view kAvroCodecKey = "avro.codec";
inline constexpr std::string_view kAvroRowsKey = "migration-api.rows";
inline constexpr size_t kAvroRowsDigits = 20;  // any uint64_t
inline constexpr std::string_view kAvroRowsUnfinished = "unfinished----------";
static_assert(kAvroRowsUnfinished.size() == kAvroRowsDigits);

struct AvroHeaderBytes {
  std::string bytes;
  uint64_t rows_offset = 0;  // where the kAvroRowsDigits characters of the row count start
};

// The header of a file of `schema_json` rows compressed with `codec`, its row count unfinished.
AvroHeaderBytes EncodeAvroHeader(std::string_view schema_json, std::string_view codec, const AvroSync& sync);

// The kAvroRowsDigits characters that record `rows`.
std::string AvroRowsField(uint64_t rows);

struct AvroHeader {
  std::string schema_json;
  std::string codec;             // "null" when the header names none (the Avro default)
  std::optional<uint64_t> rows;  // nullopt: the writer never finished (kAvroRowsUnfinished)
  AvroSync sync{};
};

// Reads and checks the header at the start of `bytes`: magic, a well-formed metadata map of
// bounded size without duplicate keys, avro.schema present, a codec we read (null, deflate),
// migration-api.rows present and well-formed, the sync marker. Throws core::Error(kUnprocessable).
AvroHeader ReadAvroHeader(AvroFileBytes& bytes);

}  // namespace migration::backup
