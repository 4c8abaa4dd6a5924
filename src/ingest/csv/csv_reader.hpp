#pragma once
// Streaming RFC 4180 CSV reader: bytes in (any chunking), records out, memory bounded by the
// longest record. The product's core: written here, not taken from a library.
//
// Contract:
//  - Feed() any number of chunks, then Finish() once. Records are delivered to the sink in order,
//    each with its record number (1-based, counting the header record), the physical line where it
//    starts (1-based, quoted newlines make it differ from the record number) and the byte offset of
//    its first byte in the stream (0-based, counting a BOM).
//  - A UTF-8 BOM at the very start of the stream is skipped (its bytes still count in offsets).
//  - Records end at LF or CRLF (a lone CR inside an unquoted field is data). The final record may
//    lack a line break. Empty lines (no bytes between two line breaks) produce no record.
//  - Quoted fields may contain commas, CR, LF and doubled quotes ("" -> "). Bytes are passed
//    through unchanged: UTF-8 validation is the data rules' job, not the reader's.
//  - A malformed record does not stop the stream: it is delivered with `error` set and the reader
//    resynchronises at the next line break (outside quotes), so every later record is still read.
//      * a quote inside an unquoted field (`ab"c`)                -> kStrayQuote
//      * a byte other than , CR LF after a closing quote (`"a"b`) -> kStrayQuote
//      * end of input inside a quoted field                       -> kUnterminatedQuote
//      * a record longer than Options::max_record_bytes          -> kRecordTooLong
//    For these, `fields` holds what was parsed so far (may be incomplete), `raw` the record's bytes
//    (capped at max_record_bytes), and error->field the 1-based field where the problem was found.
//  - `raw` is the record exactly as it appeared in the input, without its line break.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv/csv_byte_scan.hpp"
#include "ingest/csv/csv_state.hpp"

namespace migration::ingest::csv {

enum class CsvErrorType {
  kStrayQuote,         // a quote where RFC 4180 allows none
  kUnterminatedQuote,  // input ended inside a quoted field
  kRecordTooLong,      // a record over Options::max_record_bytes
};

std::string_view CsvErrorTypeName(CsvErrorType type);  // "stray_quote", "unterminated_quote", "record_too_long"

struct CsvError {
  CsvErrorType type;
  uint64_t field = 0;        // 1-based field index where it was found
  uint64_t byte_offset = 0;  // 0-based offset in the stream of the offending byte
  std::string message;       // a sentence a person can act on, e.g. "quote inside an unquoted field 2 at byte 17"
};

struct CsvRecord {
  std::vector<std::string_view> fields;  // valid until the sink returns
  std::string_view raw;                  // valid until the sink returns
  uint64_t record_number = 0;            // 1-based
  uint64_t line = 0;                     // 1-based physical line where the record starts
  uint64_t byte_offset = 0;              // 0-based offset of its first byte
  std::optional<CsvError> error;
};

class CsvReader {
 public:
  struct Options {
    char delimiter = ',';
    uint64_t max_record_bytes = 1 << 20;  // 1 MiB
  };
  using Sink = std::function<void(const CsvRecord&)>;

  CsvReader();
  explicit CsvReader(Options options);

  void Feed(std::string_view chunk, const Sink& sink);
  void Finish(const Sink& sink);

  uint64_t bytes_consumed() const { return bytes_consumed_; }
  uint64_t records_emitted() const { return records_emitted_; }

 private:
  // Implementation state, owned by csv_reader.cpp. Declared here so the reader is a value type
  // whose buffers are reused from record to record (no allocation per record in steady state).
  // Offsets are absolute stream offsets; "cap" is record_offset_ + max_record_bytes: bytes at or
  // past it are still parsed (to find where the record ends) but no longer buffered.
  void ParseChunk(std::string_view chunk, const Sink& sink);
  std::string_view TakeBomPrefix(std::string_view chunk, const Sink& sink);
  void StartRecord(uint64_t offset);
  void AppendContent(const char* data, size_t size, uint64_t offset);
  void CloseField();
  void EndField(uint64_t delimiter_offset);
  void TrimLineBreakCr(uint64_t cr_offset);
  void SetError(CsvError error);
  void EndRecord(const char* chunk, uint64_t chunk_offset, uint64_t end_offset, bool cr_line_break, const Sink& sink);

  Options options_;
  UnquotedStops unquoted_stops_;  // byte classes for the unquoted-field scan
  ParseState state_ = ParseState::kFieldStart;
  std::string raw_;                 // the record's raw bytes, only once it spans chunks (capped)
  std::string content_;             // field contents of the record, quotes removed (capped)
  std::vector<size_t> field_ends_;  // end of each field in content_
  CsvRecord record_;                // reused: its fields vector keeps its capacity
  uint64_t bytes_consumed_ = 0;     // bytes given to Feed
  uint64_t parse_offset_ = 0;       // offset of the next byte the state machine will see
  uint64_t records_emitted_ = 0;
  uint64_t line_ = 1;           // physical line of the next byte
  uint64_t record_offset_ = 0;  // offset of the current record's first byte
  uint64_t record_line_ = 1;
  uint64_t record_cap_ = 0;    // record_offset_ + max_record_bytes, saturated
  uint64_t field_number_ = 1;  // 1-based field being read
  uint64_t field_offset_ = 0;  // offset of that field's first byte
  uint64_t quote_offset_ = 0;  // where the open quoted field started (for kUnterminatedQuote)
  uint64_t quote_line_ = 1;
  size_t bom_bytes_held_ = 0;  // leading bytes that match a BOM so far, not yet parsed
  bool bom_checked_ = false;
  char last_byte_ = 0;  // last byte parsed: tells whether a CR precedes an LF across chunks
};

}  // namespace migration::ingest::csv
