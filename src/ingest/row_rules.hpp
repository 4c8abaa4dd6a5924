#pragma once
// The data rules of DESIGN §3, applied to one record's fields as text. CSV records and JSON
// objects both arrive here as text, so both follow exactly the same rules and messages.
//
// Error codes (FieldError::code):
//   missing       the field is absent or empty                        (field = column)
//   not_integer   not a plain decimal integer (sign, spaces, dots…)   (field = column)
//   out_of_range  an integer outside 1..2147483647                    (field = column)
//   blank         text empty after trimming ASCII spaces              (field = column)
//   invalid_utf8  text is not valid UTF-8                             (field = column)
//   too_long      text over 255 bytes                                 (field = column)
//   invalid_datetime  not an RFC 3339 timestamp                       (field = column)
//   too_many_fields / too_few_fields  wrong field count               (field = "record")
//   too_many_errors  more errors than a row keeps (field_error.hpp)  (field = "record")
// Codes produced elsewhere: unknown_reference (ingest/foreign_keys), duplicate (ingest/load),
// malformed_csv (CSV reader errors), unexpected_field / duplicate_field / wrong_type /
// not_an_object (JSON rows).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/row.hpp"
#include "core/table.hpp"
#include "ingest/field_error.hpp"

namespace migration::ingest {

inline constexpr size_t kMaxTextBytes = 255;

// Checks every field (all errors, not just the first) and fills `row` when there are none.
// `fields` is in the table's column order; a std::nullopt field means "absent" (JSON key missing
// or null) and is reported as `missing`, exactly like an empty CSV field.
std::vector<FieldError> ValidateFields(core::Table table, std::span<const std::optional<std::string_view>> fields,
                                       core::Row& row);

// Single-field rules, exposed for tests and for JSON (which validates key by key).
std::optional<FieldError> ParseId(std::string_view column, std::string_view text, int32_t& out);
std::optional<FieldError> ParseText(std::string_view column, std::string_view text, std::string& out);
std::optional<FieldError> ParseDatetime(std::string_view column, std::string_view text, int64_t& out_us);

bool IsValidUtf8(std::string_view text);

// `value` in double quotes for a message: printable ASCII as is, other bytes as \xNN, at most ~40
// bytes of it and "..." after, so a message stays short and plain whatever the value holds.
std::string QuoteValue(std::string_view value);

}  // namespace migration::ingest
