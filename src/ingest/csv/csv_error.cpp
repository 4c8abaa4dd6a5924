// Error names and messages of the CSV reader. Kept apart from the state machine so that the
// wording, which people read in rejects logs and problem+json bodies, is reviewed in one place.

#include "ingest/csv/csv_error.hpp"

#include <string>

namespace migration::ingest::csv {
namespace {

std::string Where(uint64_t line, uint64_t field) {
  return "line " + std::to_string(line) + ", field " + std::to_string(field) + ": ";
}

// The delimiter as words, because a tab or a semicolon printed bare inside a sentence is unreadable.
std::string DelimiterName(char delimiter) {
  switch (delimiter) {
    case ',': return "a comma";
    case '\t': return "a tab";
    case ';': return "a semicolon";
    case '|': return "a vertical bar";
    default: return std::string("the delimiter '") + delimiter + "'";
  }
}

}  // namespace

std::string_view CsvErrorTypeName(CsvErrorType type) {
  switch (type) {
    case CsvErrorType::kStrayQuote: return "stray_quote";
    case CsvErrorType::kUnterminatedQuote: return "unterminated_quote";
    case CsvErrorType::kRecordTooLong: return "record_too_long";
  }
  return "unknown";  // only for a value outside the enum, e.g. a corrupted cast
}

CsvError StrayQuoteInUnquotedField(uint64_t line, uint64_t field, uint64_t byte_offset) {
  return CsvError{
      CsvErrorType::kStrayQuote, field, byte_offset,
      Where(line, field) + "a quote inside an unquoted field; quote the whole field and double any quote inside it"};
}

CsvError ByteAfterClosingQuote(uint64_t line, uint64_t field, uint64_t byte_offset, char delimiter) {
  return CsvError{CsvErrorType::kStrayQuote, field, byte_offset,
                  Where(line, field) +
                      "characters after the closing quote of a quoted field; a closing quote must be "
                      "followed by " +
                      DelimiterName(delimiter) + " or a line break, so double any quote that is part of the value"};
}

CsvError UnterminatedQuote(uint64_t line, uint64_t field, uint64_t byte_offset) {
  return CsvError{CsvErrorType::kUnterminatedQuote, field, byte_offset,
                  Where(line, field) +
                      "a quoted field is never closed, so the rest of the input was read into it; add the "
                      "closing quote and double any quote inside the field"};
}

CsvError RecordTooLong(uint64_t line, uint64_t field, uint64_t byte_offset, uint64_t max_record_bytes) {
  return CsvError{CsvErrorType::kRecordTooLong, field, byte_offset,
                  Where(line, field) + "the record is longer than the limit of " + std::to_string(max_record_bytes) +
                      " bytes; look for a quote that is never closed or a missing line break"};
}

int CsvErrorRank(CsvErrorType type) {
  switch (type) {
    case CsvErrorType::kStrayQuote: return 0;
    case CsvErrorType::kRecordTooLong: return 1;
    case CsvErrorType::kUnterminatedQuote: return 2;
  }
  return 0;
}

}  // namespace migration::ingest::csv
