#pragma once
// The states of the CSV reader's state machine (csv_reader.cpp). A state says where the reader
// stands inside the current record; it is all that must survive between two chunks besides the
// record's buffered bytes, which is what makes any chunking of the input give the same records.

#include <cstdint>

namespace migration::ingest::csv {

enum class ParseState : uint8_t {
  // At the first byte of a field: the start of a record or just after a delimiter. A quote here
  // opens a quoted field; any other byte starts an unquoted one (an LF ends the record).
  kFieldStart,
  // Inside an unquoted field. The delimiter ends the field, LF ends the record, a quote is a stray
  // quote (reported, then kept as data so the rest of the record still parses), every other byte
  // is data, CR included (a CR right before the LF is taken back out as part of a CRLF).
  kUnquoted,
  // Inside a quoted field: only a quote is special; the delimiter, CR and LF are data.
  kQuoted,
  // Just read a quote inside a quoted field: a second quote is an escaped quote (back to kQuoted);
  // anything else means the field has closed, and only the delimiter or a line break may follow.
  kQuoteInQuoted,
  // Read a closing quote then a CR: an LF completes a CRLF line break; any other byte makes the CR
  // a stray byte after the closing quote.
  kAfterClosingCr,
};

}  // namespace migration::ingest::csv
