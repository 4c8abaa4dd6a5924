#include "ingest/row_rules.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

#include "core/time.hpp"
#include "ingest/utf8.hpp"

namespace migration::ingest {
namespace {

constexpr int64_t kMaxId = 2'147'483'647;  // INTEGER columns: the largest int32
// Quoted values show at most this many bytes (after escaping) so every message stays under ~200
// bytes whatever the field holds; the person still sees enough to find the value in the file.
constexpr size_t kMaxQuotedBytes = 40;

// Appends a byte as two upper-case hex digits.
void AppendHex(std::string& out, unsigned char byte) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0F];
}

// Appends `value` in double quotes, printable ASCII as is and every other byte as \xNN, so messages
// are always plain ASCII (valid in JSON and logs, no terminal control bytes). Longer values end in "...".
void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  size_t written = 0;
  size_t pos = 0;
  for (; pos < value.size(); ++pos) {
    const auto byte = static_cast<unsigned char>(value[pos]);
    const bool plain = byte >= 0x20 && byte <= 0x7E && byte != '"' && byte != '\\';
    const size_t width = plain ? 1 : (byte == '"' || byte == '\\') ? 2 : 4;
    if (written + width > kMaxQuotedBytes) break;
    if (plain) {
      out += static_cast<char>(byte);
    } else if (width == 2) {
      out += '\\';
      out += static_cast<char>(byte);
    } else {
      out += "\\x";
      AppendHex(out, byte);
    }
    written += width;
  }
  if (pos < value.size()) out += "...";
  out += '"';
}

void AppendNumber(std::string& out, size_t number) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  out.append(digits.data(), result.ptr);
}

FieldError MakeError(std::string_view column, std::string_view code, std::string message) {
  return FieldError{std::string(column), std::string(code), std::move(message)};
}

FieldError Missing(std::string_view column, std::string_view why) {
  std::string message(column);
  message += " is required but ";
  message += why;
  return MakeError(column, "missing", std::move(message));
}

// The text rules without storing anything, so ValidateFields can copy the text only once the
// whole record is known to be valid. Order: encoding first (nothing else is meaningful on
// undecodable bytes), then blank, then length.
std::optional<FieldError> CheckText(std::string_view column, std::string_view text) {
  if (text.empty()) return Missing(column, "empty");
  if (const size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    std::string message(column);
    message += " is not valid UTF-8: byte 0x";
    AppendHex(message, static_cast<unsigned char>(text[bad]));
    message += " at offset ";
    AppendNumber(message, bad);
    message += " does not start a valid character; re-encode the data as UTF-8";
    return MakeError(column, "invalid_utf8", std::move(message));
  }
  // PostgreSQL text cannot hold NUL, and no name legitimately contains one: reject it the same
  // way on every backend.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    std::string message(column);
    message += " contains a NUL byte at offset ";
    AppendNumber(message, nul);
    message += "; remove it";
    return MakeError(column, "nul_byte", std::move(message));
  }
  // Only ASCII space (0x20) counts as blank: DESIGN §3 says "trimming ASCII spaces", and a tab or a
  // no-break space is something a person typed on purpose or should see rejected elsewhere.
  if (text.find_first_not_of(' ') == std::string_view::npos) {
    std::string message(column);
    message += " must not be blank, got only spaces";
    return MakeError(column, "blank", std::move(message));
  }
  if (text.size() > kMaxTextBytes) {
    std::string message(column);
    message += " must be at most 255 bytes of UTF-8, got ";
    AppendNumber(message, text.size());
    message += " bytes; shorten it";
    return MakeError(column, "too_long", std::move(message));
  }
  return std::nullopt;
}

FieldError CountError(const core::TableSchema& schema, size_t got) {
  std::string message = "expected ";
  AppendNumber(message, schema.columns.size());
  message += " fields (";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i != 0) message += ',';
    message += schema.columns[i].name;
  }
  message += "), got ";
  AppendNumber(message, got);
  return MakeError("record", got > schema.columns.size() ? "too_many_fields" : "too_few_fields", std::move(message));
}

}  // namespace

std::string QuoteValue(std::string_view value) {
  std::string out;
  AppendQuoted(out, value);
  return out;
}

bool IsValidUtf8(std::string_view text) { return FindInvalidUtf8(text) == std::string_view::npos; }

// Digits only: a sign, spaces, a decimal point or an exponent are `not_integer`, never silently
// fixed. Leading zeros ARE accepted ("007" is 7): spreadsheet exports zero-pad ids, the value is
// unambiguous in base 10, and rejecting them would help nobody. "0", "000" are out of range.
std::optional<FieldError> ParseId(std::string_view column, std::string_view text, int32_t& out) {
  if (text.empty()) return Missing(column, "empty");
  int64_t value = 0;
  bool overflow = false;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      std::string message(column);
      message += " must be a whole number from 1 to 2147483647 (digits only), got ";
      AppendQuoted(message, text);
      return MakeError(column, "not_integer", std::move(message));
    }
    // Stop accumulating once past the limit (a 1 GB digit string must not overflow), but keep
    // scanning: a non-digit later in the text is the more useful error.
    if (!overflow) {
      value = value * 10 + (c - '0');
      overflow = value > kMaxId;
    }
  }
  if (overflow || value == 0) {
    std::string message(column);
    message += " must be from 1 to 2147483647, got ";
    AppendQuoted(message, text);
    return MakeError(column, "out_of_range", std::move(message));
  }
  out = static_cast<int32_t>(value);
  return std::nullopt;
}

std::optional<FieldError> ParseText(std::string_view column, std::string_view text, std::string& out) {
  if (auto error = CheckText(column, text)) return error;
  out.assign(text);  // exactly as given: surrounding spaces are data
  return std::nullopt;
}

std::optional<FieldError> ParseDatetime(std::string_view column, std::string_view text, int64_t& out_us) {
  if (text.empty()) return Missing(column, "empty");
  const std::optional<int64_t> parsed = core::ParseRfc3339(text);
  if (!parsed) {
    std::string message(column);
    message +=
        " must be an RFC 3339 timestamp of a real date and time, like 2021-07-27T16:02:08Z or "
        "2021-07-27T18:02:08+02:00, got ";
    AppendQuoted(message, text);
    return MakeError(column, "invalid_datetime", std::move(message));
  }
  out_us = *parsed;
  return std::nullopt;
}

std::vector<FieldError> ValidateFields(core::Table table, std::span<const std::optional<std::string_view>> fields,
                                       core::Row& row) {
  const core::TableSchema& schema = core::SchemaOf(table);
  std::vector<FieldError> errors;  // empty vectors do not allocate: nothing is allocated for a valid row
  // With the wrong count, field positions no longer say which column a value belongs to, so any
  // per-field error would likely be wrong: report the count alone.
  if (fields.size() != schema.columns.size()) {
    errors.push_back(CountError(schema, fields.size()));
    return errors;
  }

  // Parse into locals and touch `row` only when the whole record is valid.
  core::Row parsed_numbers;
  std::string_view text;
  for (size_t i = 0; i < fields.size(); ++i) {
    const core::Column& column = schema.columns[i];
    if (!fields[i]) {
      errors.push_back(Missing(column.name, "missing or null"));
      continue;
    }
    const std::string_view value = *fields[i];
    std::optional<FieldError> error;
    switch (column.kind) {
      case core::ColumnKind::kId: error = ParseId(column.name, value, parsed_numbers.id); break;
      case core::ColumnKind::kReference:
        // Row has one member per reference column; the schema names them.
        error = ParseId(column.name, value,
                        column.name == "department_id" ? parsed_numbers.department_id : parsed_numbers.job_id);
        break;
      case core::ColumnKind::kText:
        error = CheckText(column.name, value);
        text = value;
        break;
      case core::ColumnKind::kDatetime: error = ParseDatetime(column.name, value, parsed_numbers.datetime_us); break;
    }
    if (error) errors.push_back(std::move(*error));
  }
  if (!errors.empty()) return errors;

  row.id = parsed_numbers.id;
  row.text.assign(text);  // reuses the row's buffer when the caller reuses the row
  row.datetime_us = parsed_numbers.datetime_us;
  row.department_id = parsed_numbers.department_id;
  row.job_id = parsed_numbers.job_id;
  return errors;
}

}  // namespace migration::ingest
