#pragma once
// RFC 3339 timestamps <-> microseconds since the Unix epoch (UTC), and the clock in those units.
// No I/O, no locale, no tz database.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace migration::core {

// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` strictly (RFC 3339 §5.6, 'T' and 'Z' may be
// lower case, fraction up to 9 digits, truncated to microseconds; seconds 00..59). Returns the UTC
// instant, or nullopt when the text is not such a timestamp, names an impossible date, or names an
// instant outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999Z (what FormatRfc3339 can write).
std::optional<int64_t> ParseRfc3339(std::string_view text);

// Formats as `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` only when the microseconds are non-zero.
std::string FormatRfc3339(int64_t micros_since_epoch);

// The calendar date (proleptic Gregorian) of an instant, in UTC.
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  bool operator==(const CivilDate&) const = default;
};
CivilDate UtcDate(int64_t micros_since_epoch);

// The calendar year and quarter (1: Jan–Mar … 4: Oct–Dec) of an instant, in UTC.
struct YearQuarter {
  int year;
  int quarter;
  bool operator==(const YearQuarter&) const = default;
};
YearQuarter UtcYearQuarter(int64_t micros_since_epoch);

// The system clock now, in microseconds since the epoch: how every stored timestamp is taken.
int64_t NowMicros();

}  // namespace migration::core
