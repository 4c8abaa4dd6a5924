// The CSV reader's state machine and record assembly. The contract is in csv_reader.hpp; the states
// are described in csv_state.hpp, the run scanners in csv_byte_scan.hpp, the messages in csv_error.cpp.
//
// How a record is assembled without copying it twice:
//  - Field contents (quotes removed, "" turned into ") are appended run by run to content_, and
//    each field's end is noted in field_ends_; the record's views are made when it ends.
//  - The raw bytes are not copied at all while the record sits inside one chunk: raw is then a view
//    into the caller's chunk. Only a record still open at the end of a chunk is copied into raw_.
//  - Both buffers stop growing at the record cap (Options::max_record_bytes), so memory stays
//    bounded whatever the input; the state machine keeps running past the cap to find where the
//    record really ends, which is where the reader resynchronises.
//
// Line breaks: LF, or CRLF. Only LF advances the line count, so CRLF counts once and a lone CR
// (data) not at all. A CR right before an LF (outside quotes) belongs to the line break, not to
// the field or to raw. A CR as the very last byte of the input is treated the same way, as a CRLF
// whose LF was cut off: "a,b\r" reads exactly like "a,b\r\n".

#include "ingest/csv/csv_reader.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "ingest/csv/csv_error.hpp"

namespace migration::ingest::csv {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

}  // namespace

CsvReader::CsvReader() : CsvReader(Options{}) {}

CsvReader::CsvReader(Options options) : options_(options), unquoted_stops_(MakeUnquotedStops(options.delimiter)) {
  // These delimiters would make the grammar ambiguous; this is a programming error in the caller,
  // never something an uploaded file can cause.
  if (options_.delimiter == '"' || options_.delimiter == '\n' || options_.delimiter == '\r') {
    throw std::invalid_argument("CsvReader: the delimiter cannot be a quote, CR or LF");
  }
  StartRecord(0);
}

void CsvReader::Feed(std::string_view chunk, const Sink& sink) {
  bytes_consumed_ += chunk.size();
  if (!bom_checked_) {
    chunk = TakeBomPrefix(chunk, sink);
    if (!bom_checked_) return;  // the whole chunk was a BOM prefix; wait for more bytes
  }
  ParseChunk(chunk, sink);
}

// A BOM may arrive split over chunks, so its bytes are held (not parsed) until they either complete
// the BOM, which is then skipped, or stop matching, and are then parsed as ordinary data.
std::string_view CsvReader::TakeBomPrefix(std::string_view chunk, const Sink& sink) {
  while (bom_bytes_held_ < kUtf8Bom.size() && !chunk.empty() && chunk.front() == kUtf8Bom[bom_bytes_held_]) {
    ++bom_bytes_held_;
    chunk.remove_prefix(1);
  }
  if (bom_bytes_held_ == kUtf8Bom.size()) {
    bom_checked_ = true;
    parse_offset_ = kUtf8Bom.size();
    last_byte_ = kUtf8Bom.back();
    StartRecord(parse_offset_);
    return chunk;
  }
  if (chunk.empty()) return chunk;
  bom_checked_ = true;
  ParseChunk(kUtf8Bom.substr(0, bom_bytes_held_), sink);  // static storage: safe to view
  return chunk;
}

void CsvReader::StartRecord(uint64_t offset) {
  state_ = ParseState::kFieldStart;
  record_offset_ = offset;
  record_line_ = line_;
  record_cap_ = SaturatingAdd(offset, options_.max_record_bytes);
  field_number_ = 1;
  field_offset_ = offset;
  raw_.clear();
  content_.clear();
  field_ends_.clear();
  record_.error.reset();
}

// Appends field bytes that start at stream offset `offset`, dropping any past the record cap.
inline void CsvReader::AppendContent(const char* data, size_t size, uint64_t offset) {
  if (offset + size > record_cap_) size = offset >= record_cap_ ? 0 : static_cast<size_t>(record_cap_ - offset);
  content_.append(data, size);
}

// Fields that start past the cap are not kept (a long run of delimiters must not grow memory);
// the one that contains the cap is kept, cut, so a record too long shows where it went wrong.
inline void CsvReader::CloseField() {
  if (field_offset_ <= record_cap_) field_ends_.push_back(content_.size());
}

inline void CsvReader::EndField(uint64_t delimiter_offset) {
  CloseField();
  ++field_number_;
  field_offset_ = delimiter_offset + 1;
  state_ = ParseState::kFieldStart;
}

// In an unquoted field a CR was appended as data before the reader could know an LF would follow.
inline void CsvReader::TrimLineBreakCr(uint64_t cr_offset) {
  if (cr_offset < record_cap_) content_.pop_back();
}

void CsvReader::SetError(CsvError error) {
  if (record_.error && CsvErrorRank(record_.error->type) >= CsvErrorRank(error.type)) return;
  record_.error = std::move(error);
}

// Ends the current record at `end_offset` (its LF, or the end of input); `chunk` is the chunk being
// parsed, starting at stream offset `chunk_offset` (nullptr at the end of input, when every byte of
// the record is already in raw_). Delivers the record unless its line was empty.
void CsvReader::EndRecord(const char* chunk, uint64_t chunk_offset, uint64_t end_offset, bool cr_line_break,
                          const Sink& sink) {
  const uint64_t raw_end = end_offset - (cr_line_break ? 1 : 0);
  const uint64_t raw_size = raw_end - record_offset_;
  if (raw_size == 0) return;  // an empty line: counted as a line, but not a record

  CloseField();
  if (raw_size > options_.max_record_bytes) {
    // The field that holds the first byte past the cap is the last one kept (see CloseField).
    SetError(RecordTooLong(record_line_, field_ends_.size(), record_cap_, options_.max_record_bytes));
  }
  const size_t kept = static_cast<size_t>(std::min(raw_size, options_.max_record_bytes));
  if (record_offset_ >= chunk_offset) {
    record_.raw = std::string_view(chunk + (record_offset_ - chunk_offset), kept);
  } else {
    if (raw_.size() < kept) raw_.append(chunk, kept - raw_.size());
    record_.raw = std::string_view(raw_.data(), kept);
  }

  record_.fields.clear();
  size_t field_begin = 0;
  for (const size_t field_end : field_ends_) {
    record_.fields.emplace_back(content_.data() + field_begin, field_end - field_begin);
    field_begin = field_end;
  }
  record_.record_number = ++records_emitted_;
  record_.line = record_line_;
  record_.byte_offset = record_offset_;
  sink(record_);
}

void CsvReader::ParseChunk(std::string_view chunk, const Sink& sink) {
  const char* const begin = chunk.data();
  const char* const end = begin + chunk.size();
  const uint64_t base = parse_offset_;
  const char delimiter = options_.delimiter;
  auto offset_of = [begin, base](const char* at) { return base + static_cast<uint64_t>(at - begin); };
  // The byte before `at`, which may be the last byte of the previous chunk.
  auto byte_before = [this, begin](const char* at) { return at > begin ? at[-1] : last_byte_; };
  // Ends the record at the LF at `at` and starts the next one just after it.
  auto end_record_at_lf = [&](const char* at, bool cr_line_break) {
    EndRecord(begin, base, offset_of(at), cr_line_break, sink);
    ++line_;
    StartRecord(offset_of(at) + 1);
  };

  const char* p = begin;
  while (p < end) {
    switch (state_) {
      case ParseState::kFieldStart:
        if (*p == '"') {
          quote_offset_ = offset_of(p);
          quote_line_ = line_;
          state_ = ParseState::kQuoted;
          ++p;
          break;
        }
        state_ = ParseState::kUnquoted;
        [[fallthrough]];

      case ParseState::kUnquoted: {
        const char* stop = FindUnquotedStop(p, end, unquoted_stops_);
        AppendContent(p, static_cast<size_t>(stop - p), offset_of(p));
        p = stop;
        if (p == end) break;
        if (*p == delimiter) {
          EndField(offset_of(p));
        } else if (*p == '\n') {
          // In this state the byte before the LF is part of the record, so a CR there is the CRLF's.
          const bool crlf = offset_of(p) > record_offset_ && byte_before(p) == '\r';
          if (crlf) TrimLineBreakCr(offset_of(p) - 1);
          end_record_at_lf(p, crlf);
        } else {  // a quote: reported, then kept as data so the rest of the record still parses
          if (!record_.error) SetError(StrayQuoteInUnquotedField(line_, field_number_, offset_of(p)));
          AppendContent(p, 1, offset_of(p));
        }
        ++p;
        break;
      }

      case ParseState::kQuoted: {
        const char* quote = FindQuote(p, end);
        line_ += CountLineFeeds(p, quote);
        AppendContent(p, static_cast<size_t>(quote - p), offset_of(p));
        p = quote;
        if (p == end) break;
        state_ = ParseState::kQuoteInQuoted;
        ++p;
        break;
      }

      case ParseState::kQuoteInQuoted:
        if (*p == '"') {  // "" inside a quoted field is one quote
          AppendContent(p, 1, offset_of(p));
          state_ = ParseState::kQuoted;
        } else if (*p == delimiter) {
          EndField(offset_of(p));
        } else if (*p == '\n') {
          end_record_at_lf(p, false);
        } else if (*p == '\r') {
          state_ = ParseState::kAfterClosingCr;
        } else {  // the field goes on after its closing quote: report, then read the rest as unquoted
          if (!record_.error) SetError(ByteAfterClosingQuote(line_, field_number_, offset_of(p), delimiter));
          AppendContent(p, 1, offset_of(p));
          state_ = ParseState::kUnquoted;
        }
        ++p;
        break;

      case ParseState::kAfterClosingCr:
        if (*p == '\n') {
          end_record_at_lf(p, true);
          ++p;
          break;
        }
        // A lone CR after the closing quote: it is data after the quote. Keep it and read the
        // current byte again as part of an unquoted field (p is not advanced).
        if (!record_.error) SetError(ByteAfterClosingQuote(line_, field_number_, offset_of(p) - 1, delimiter));
        AppendContent("\r", 1, offset_of(p) - 1);
        state_ = ParseState::kUnquoted;
        break;
    }
  }

  if (chunk.empty()) return;
  // The record still open at the end of the chunk loses its view into the chunk: copy what of it
  // is in this chunk (up to the cap) so it can be delivered whole later.
  const uint64_t chunk_end = base + chunk.size();
  if (record_offset_ < chunk_end) {
    const uint64_t from = std::max(record_offset_, base);
    const uint64_t to = std::min(chunk_end, record_cap_);
    if (to > from) raw_.append(begin + (from - base), static_cast<size_t>(to - from));
  }
  last_byte_ = chunk.back();
  parse_offset_ = chunk_end;
}

void CsvReader::Finish(const Sink& sink) {
  if (!bom_checked_) {  // the input was a proper prefix of a BOM (or empty): those bytes are data
    bom_checked_ = true;
    ParseChunk(kUtf8Bom.substr(0, bom_bytes_held_), sink);
  }
  bool cr_line_break = false;
  switch (state_) {
    case ParseState::kFieldStart:
    case ParseState::kQuoteInQuoted: break;
    case ParseState::kUnquoted:
      // A final CR is read as a CRLF cut short (see the top of this file).
      cr_line_break = last_byte_ == '\r';
      if (cr_line_break) TrimLineBreakCr(parse_offset_ - 1);
      break;
    case ParseState::kQuoted: SetError(UnterminatedQuote(quote_line_, field_number_, quote_offset_)); break;
    case ParseState::kAfterClosingCr: cr_line_break = true; break;
  }
  EndRecord(nullptr, parse_offset_, parse_offset_, cr_line_break, sink);
  StartRecord(parse_offset_);
}

}  // namespace migration::ingest::csv
