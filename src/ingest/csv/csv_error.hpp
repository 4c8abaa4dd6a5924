#pragma once
// Builders for the reader's errors, one per kind, so every message has the same shape:
// "line L, field F: what is wrong; how to fix it". Line and field are 1-based, as a person reads
// them in an editor; the byte offset is carried beside the message for tools.

#include <cstdint>

#include "ingest/csv/csv_reader.hpp"

namespace migration::ingest::csv {

// A quote in the middle of an unquoted field (`ab"c`).
CsvError StrayQuoteInUnquotedField(uint64_t line, uint64_t field, uint64_t byte_offset);

// A byte other than the delimiter or a line break right after a closing quote (`"a"b`).
CsvError ByteAfterClosingQuote(uint64_t line, uint64_t field, uint64_t byte_offset, char delimiter);

// The input ended inside a quoted field; byte_offset is the opening quote's.
CsvError UnterminatedQuote(uint64_t line, uint64_t field, uint64_t byte_offset);

// A record over the limit; byte_offset is its first byte past the limit, line where it starts.
CsvError RecordTooLong(uint64_t line, uint64_t field, uint64_t byte_offset, uint64_t max_record_bytes);

// Which error a record keeps when it has several: the one that best explains what happened to the
// record. An unclosed quote explains why the record ran on (and may be why it is too long); a
// record too long explains why its raw bytes are cut; a stray quote is the least severe, and only
// the first one is kept.
int CsvErrorRank(CsvErrorType type);

}  // namespace migration::ingest::csv
