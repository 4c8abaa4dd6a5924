#include "core/time.hpp"

#include <array>
#include <chrono>

namespace migration::core {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's days_from_civil (proleptic Gregorian, http://howardhinnant.github.io/date_algorithms.html):
// days since 1970-01-01 for a date. Pure integer arithmetic, so it needs no tz database, no locale
// and no global state, and it is exact for every year an int64 can reach.
constexpr int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                                               // [0, 399]
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;
}

// Howard Hinnant's civil_from_days: the inverse of DaysFromCivil.
constexpr CivilDate CivilFromDays(int64_t days) {
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const int64_t day_of_era = days - era * 146'097;  // [0, 146096]
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;                                        // [0, 11]
  const int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const int month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11'017);
static_assert(CivilFromDays(11'017).year == 2000 && CivilFromDays(11'017).month == 3);

constexpr bool IsLeapYear(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

constexpr int DaysInMonth(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of exactly `count` decimal digits at `pos`, or -1 when any of them is not a digit.
// The caller has already checked that text holds pos + count bytes.
int FixedDigits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Floor division and its remainder (divisor > 0), so that instants before 1970 land in the right
// second and day. Written without multiplying back, which would overflow near INT64_MIN.
constexpr int64_t FloorDiv(int64_t value, int64_t divisor) {
  const int64_t quotient = value / divisor;
  return (value % divisor < 0) ? quotient - 1 : quotient;
}

constexpr int64_t FloorMod(int64_t value, int64_t divisor) {
  const int64_t remainder = value % divisor;
  return remainder < 0 ? remainder + divisor : remainder;
}

// Writes `value` (>= 0) as exactly `width` digits, zero padded, ending at out + width.
void WritePadded(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  // Fixed layout of the date and time: "YYYY-MM-DDTHH:MM:SS" is 19 bytes, and at least a 'Z' follows.
  constexpr size_t kDateTimeBytes = 19;
  if (text.size() < kDateTimeBytes + 1) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') return std::nullopt;
  // RFC 3339 §5.6 allows a lower-case 't'; the space that §5.6's NOTE permits "for readability" is
  // not part of the grammar, and accepting it would make the format ambiguous for CSV tooling.
  if (text[10] != 'T' && text[10] != 't') return std::nullopt;

  const int year = FixedDigits(text, 0, 4);
  const int month = FixedDigits(text, 5, 2);
  const int day = FixedDigits(text, 8, 2);
  const int hour = FixedDigits(text, 11, 2);
  const int minute = FixedDigits(text, 14, 2);
  // Seconds stop at 59: RFC 3339 allows a leap second (60), but an instant counted in microseconds
  // since the epoch (POSIX time) has no way to represent one, and the database types cannot store it.
  const int second = FixedDigits(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return std::nullopt;
  }
  if (day > DaysInMonth(year, month)) return std::nullopt;

  size_t pos = kDateTimeBytes;
  int64_t micros = 0;
  if (text[pos] == '.') {
    // 1 to 9 digits (nanoseconds at most); digits past the sixth are dropped, not rounded, so that a
    // timestamp never moves into the next second.
    constexpr size_t kMaxFractionDigits = 9;
    constexpr size_t kStoredFractionDigits = 6;
    const size_t start = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    const size_t digits = pos - start;
    if (digits == 0 || digits > kMaxFractionDigits) return std::nullopt;
    for (size_t i = 0; i < kStoredFractionDigits; ++i) {
      micros = micros * 10 + (i < digits ? text[start + i] - '0' : 0);
    }
  }

  if (pos >= text.size()) return std::nullopt;
  int64_t offset_seconds = 0;
  const char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    if (pos + 1 != text.size()) return std::nullopt;
  } else if (zone == '+' || zone == '-') {
    // "±HH:MM" and nothing after it. "-00:00" (RFC 3339 §4.3, offset unknown) is the same instant as Z.
    if (pos + 6 != text.size() || text[pos + 3] != ':') return std::nullopt;
    const int offset_hours = FixedDigits(text, pos + 1, 2);
    const int offset_minutes = FixedDigits(text, pos + 4, 2);
    if (offset_hours < 0 || offset_hours > 23 || offset_minutes < 0 || offset_minutes > 59) return std::nullopt;
    offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }

  // Local time minus its offset is UTC. Years 1..9999 keep this far inside int64 (about ±3e17 µs).
  const int64_t local_seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  const int64_t utc_seconds = local_seconds - offset_seconds;
  // The UTC instant must be writable as RFC 3339 too: an offset can carry year 1 or 9999 out of
  // 0001..9999 (0001-01-01T00:30:00+01:00 is 0000-12-31T23:30:00Z), and FormatRfc3339 would then
  // write a timestamp that this parser (and PostgreSQL, for year 0) refuses. Found by fuzzing.
  constexpr int64_t kFirstSecond = DaysFromCivil(1, 1, 1) * kSecondsPerDay;
  constexpr int64_t kEndSecond = DaysFromCivil(10'000, 1, 1) * kSecondsPerDay;
  if (utc_seconds < kFirstSecond || utc_seconds >= kEndSecond) return std::nullopt;
  return utc_seconds * kMicrosPerSecond + micros;
}

std::string FormatRfc3339(int64_t micros_since_epoch) {
  const int64_t seconds = FloorDiv(micros_since_epoch, kMicrosPerSecond);
  const int64_t micros = FloorMod(micros_since_epoch, kMicrosPerSecond);  // [0, 999999]
  const int64_t days = FloorDiv(seconds, kSecondsPerDay);
  const int64_t second_of_day = FloorMod(seconds, kSecondsPerDay);  // [0, 86399]
  const CivilDate date = CivilFromDays(days);

  // "-YYYYYY-MM-DDTHH:MM:SS.ffffffZ" at most: an int64 of microseconds spans about ±292,000 years.
  std::array<char, 40> buffer{};
  char* out = buffer.data();
  // Years 0001..9999 are the RFC 3339 range; anything outside (only reachable by instants that
  // ParseRfc3339 never returns) is still written unambiguously, with a sign or more digits.
  int64_t year = date.year;
  if (year < 0) {
    *out++ = '-';
    year = -year;
  }
  int year_digits = 4;
  for (int64_t limit = 10'000; year >= limit; limit *= 10) ++year_digits;
  WritePadded(out, year, year_digits);
  out += year_digits;
  *out++ = '-';
  WritePadded(out, date.month, 2);
  out += 2;
  *out++ = '-';
  WritePadded(out, date.day, 2);
  out += 2;
  *out++ = 'T';
  WritePadded(out, second_of_day / 3600, 2);
  out += 2;
  *out++ = ':';
  WritePadded(out, second_of_day / 60 % 60, 2);
  out += 2;
  *out++ = ':';
  WritePadded(out, second_of_day % 60, 2);
  out += 2;
  if (micros != 0) {
    *out++ = '.';
    WritePadded(out, micros, 6);
    out += 6;
  }
  *out++ = 'Z';
  return std::string(buffer.data(), out);
}

CivilDate UtcDate(int64_t micros_since_epoch) {
  return CivilFromDays(FloorDiv(FloorDiv(micros_since_epoch, kMicrosPerSecond), kSecondsPerDay));
}

YearQuarter UtcYearQuarter(int64_t micros_since_epoch) {
  const CivilDate date = UtcDate(micros_since_epoch);
  return {static_cast<int>(date.year), (date.month - 1) / 3 + 1};
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace migration::core
