// fuzz-sources: src/ingest/csv/csv_reader.cpp src/ingest/csv/csv_error.cpp
//
// libFuzzer target for the streaming CSV reader (src/ingest/csv/csv_reader.hpp). Built and run by
// scripts/run-fuzzers.sh, which reads the line above to know which sources to link.
//
// Input layout: the first byte picks the options (so the fuzzer explores small record limits and
// other delimiters too), the rest is the CSV stream. The stream is read once in a single chunk and
// again in chunks whose sizes come from a generator seeded by a hash of the input (deterministic,
// so a crasher replays), and once a byte at a time; any difference, or any broken invariant of the
// contract, aborts.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv/csv_reader.hpp"

namespace {

using migration::ingest::csv::CsvErrorType;
using migration::ingest::csv::CsvReader;
using migration::ingest::csv::CsvRecord;

// abort() (not assert) so the check stays in every build mode and libFuzzer records a crash.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

struct Rec {
  std::vector<std::string> fields;
  std::string raw;
  uint64_t record_number = 0;
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  std::optional<CsvErrorType> error_type;
  uint64_t error_field = 0;
  uint64_t error_offset = 0;
  std::string error_message;

  bool operator==(const Rec&) const = default;
};

Rec Copy(const CsvRecord& record) {
  Rec rec;
  for (const std::string_view field : record.fields) rec.fields.emplace_back(field);
  rec.raw = std::string(record.raw);
  rec.record_number = record.record_number;
  rec.line = record.line;
  rec.byte_offset = record.byte_offset;
  if (record.error) {
    rec.error_type = record.error->type;
    rec.error_field = record.error->field;
    rec.error_offset = record.error->byte_offset;
    rec.error_message = record.error->message;
  }
  return rec;
}

// Reads `input` in chunks of the sizes `next_chunk` returns (at least 0, at most what is left).
template <typename NextChunk>
std::vector<Rec> ReadInChunks(std::string_view input, const CsvReader::Options& options, NextChunk next_chunk) {
  CsvReader reader(options);
  std::vector<Rec> records;
  const CsvReader::Sink sink = [&records](const CsvRecord& record) { records.push_back(Copy(record)); };
  while (!input.empty()) {
    const size_t size = std::min(next_chunk(), input.size());
    reader.Feed(input.substr(0, size), sink);
    input.remove_prefix(size);
  }
  reader.Finish(sink);
  FUZZ_CHECK(reader.records_emitted() == records.size());
  return records;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t hash = 1469598103934665603ULL;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

CsvReader::Options OptionsFrom(uint8_t selector) {
  static constexpr uint64_t kLimits[] = {CsvReader::Options{}.max_record_bytes, 8, 32, 3};
  static constexpr char kDelimiters[] = {',', ',', ';', '\t'};
  CsvReader::Options options;
  options.max_record_bytes = kLimits[selector & 3];
  options.delimiter = kDelimiters[(selector >> 2) & 3];
  return options;
}

void CheckRecords(std::string_view input, const CsvReader::Options& options, const std::vector<Rec>& records) {
  const bool has_bom = input.substr(0, 3) == "\xEF\xBB\xBF";
  uint64_t line_feeds_before = 0;  // LFs in input[0, scanned)
  uint64_t scanned = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Rec& rec = records[i];
    FUZZ_CHECK(rec.record_number == i + 1);
    FUZZ_CHECK(!rec.raw.empty());  // empty lines are never records
    FUZZ_CHECK(rec.raw.size() <= options.max_record_bytes);
    FUZZ_CHECK(!rec.fields.empty());
    FUZZ_CHECK(rec.byte_offset >= (has_bom ? 3u : 0u));
    // raw is the input's bytes at byte_offset (cut at the limit when the record is too long).
    FUZZ_CHECK(rec.byte_offset + rec.raw.size() <= input.size());
    FUZZ_CHECK(input.substr(rec.byte_offset, rec.raw.size()) == rec.raw);
    if (i > 0) {
      const Rec& previous = records[i - 1];
      FUZZ_CHECK(rec.byte_offset > previous.byte_offset + previous.raw.size());  // a line break in between
      FUZZ_CHECK(rec.line > previous.line);
    }
    // The line is one plus the LFs before the record's first byte.
    for (; scanned < rec.byte_offset; ++scanned) line_feeds_before += input[scanned] == '\n' ? 1 : 0;
    FUZZ_CHECK(rec.line == 1 + line_feeds_before);
    if (rec.error_type) {
      FUZZ_CHECK(rec.error_field >= 1);
      FUZZ_CHECK(rec.error_offset >= rec.byte_offset && rec.error_offset < input.size());
      FUZZ_CHECK(rec.error_message.rfind("line ", 0) == 0);
      if (rec.error_type == CsvErrorType::kRecordTooLong) {
        FUZZ_CHECK(rec.raw.size() == options.max_record_bytes);
        FUZZ_CHECK(rec.error_field == rec.fields.size());
      }
      continue;
    }
    // A clean record read again on its own gives the same fields (unless it begins with BOM bytes,
    // which are skipped at the start of a stream, or ends with a CR, which ends a stream as a line break).
    if (rec.raw.rfind("\xEF\xBB\xBF", 0) == 0 || rec.raw.back() == '\r') continue;
    CsvReader alone(options);
    std::vector<Rec> again;
    const CsvReader::Sink sink = [&again](const CsvRecord& record) { again.push_back(Copy(record)); };
    alone.Feed(rec.raw, sink);
    alone.Finish(sink);
    FUZZ_CHECK(again.size() == 1);
    FUZZ_CHECK(!again[0].error_type);
    FUZZ_CHECK(again[0].fields == rec.fields);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const CsvReader::Options options = OptionsFrom(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<Rec> whole = ReadInChunks(input, options, [&input] { return input.size(); });
  CheckRecords(input, options, whole);

  uint64_t state = Fnv1a(input) | 1;  // xorshift64: any nonzero seed
  const std::vector<Rec> random_chunks = ReadInChunks(input, options, [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    // Mostly tiny chunks, where boundaries fall inside every construct; sometimes empty or large ones.
    const uint64_t kind = state % 16;
    return static_cast<size_t>(kind == 0 ? 0 : kind < 12 ? 1 + (state >> 8) % 4 : (state >> 8) % 64);
  });
  FUZZ_CHECK(random_chunks == whole);

  const std::vector<Rec> byte_by_byte = ReadInChunks(input, options, [] { return size_t{1}; });
  FUZZ_CHECK(byte_by_byte == whole);
  return 0;
}
