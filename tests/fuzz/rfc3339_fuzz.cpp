// fuzz-sources: src/core/time.cpp
//
// libFuzzer target for the RFC 3339 parser and formatter (src/core/time.hpp). Built and run by
// scripts/run-fuzzers.sh, which reads the line above to know which sources to link.
//
// Properties, checked on every input:
//   1. ParseRfc3339 agrees with an independent reference: a regular expression for the grammar and
//      the C library's timegm()/gmtime_r() for the calendar (accepted exactly when the reference
//      accepts, and then the same instant, fraction truncated to microseconds).
//   2. An accepted timestamp formats to the canonical form (upper-case T and Z, no offset, six
//      fraction digits or none, a year of four digits) and that form parses back to the same
//      instant: every stored instant can be written out and read in again.
//   3. Its UTC year and quarter are those gmtime_r() gives.
//   4. FormatRfc3339 of any 64-bit value (the first 8 input bytes) neither crashes nor overflows,
//      and round-trips through ParseRfc3339 whenever it lands in years 0001..9999.

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace {

using migration::core::FormatRfc3339;
using migration::core::ParseRfc3339;
using migration::core::UtcYearQuarter;

// abort() (not assert) so the check stays in every build mode and libFuzzer records a crash.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

constexpr int64_t kMicros = 1'000'000;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants RFC 3339 can write in UTC.
constexpr int64_t kFirstInstant = -62'135'596'800 * kMicros;
constexpr int64_t kLastInstant = 253'402'300'799 * kMicros + 999'999;

int Number(const std::string& digits) { return std::atoi(digits.c_str()); }

// The reference: grammar by regex, calendar by the C library. nullopt when not a timestamp.
std::optional<int64_t> ReferenceParse(const std::string& text) {
  static const std::regex kGrammar(
      R"(^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$)");
  std::smatch m;
  if (!std::regex_match(text, m, kGrammar)) return std::nullopt;
  const int year = Number(m[1]);
  const int month = Number(m[2]);
  const int day = Number(m[3]);
  const int hour = Number(m[4]);
  const int minute = Number(m[5]);
  const int second = Number(m[6]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  tm fields{};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  const time_t seconds = timegm(&fields);
  tm back{};
  gmtime_r(&seconds, &back);
  if (back.tm_year != year - 1900 || back.tm_mon != month - 1 || back.tm_mday != day) return std::nullopt;  // Feb 30
  int64_t micros = 0;
  if (m[7].matched) {
    const std::string fraction = (m[7].str() + "000000").substr(0, 6);
    micros = Number(fraction);
  }
  int64_t offset = 0;
  if (m[9].matched) {
    const int offset_hours = Number(m[10]);
    const int offset_minutes = Number(m[11]);
    if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
    offset = (offset_hours * 3600 + offset_minutes * 60) * (m[9] == "-" ? -1 : 1);
  }
  const int64_t instant = (static_cast<int64_t>(seconds) - offset) * kMicros + micros;
  // An offset can move a local time in year 1 or 9999 out of what UTC can write in RFC 3339.
  if (instant < kFirstInstant || instant > kLastInstant) return std::nullopt;
  return instant;
}

bool IsCanonical(const std::string& text) {
  static const std::regex kCanonical(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$)");
  return std::regex_match(text, kCanonical) && text.find(".000000") == std::string::npos;
}

void CheckYearQuarter(int64_t instant) {
  const int64_t floor_seconds = instant / kMicros - (instant % kMicros < 0 ? 1 : 0);
  const time_t seconds = static_cast<time_t>(floor_seconds);
  tm utc{};
  FUZZ_CHECK(gmtime_r(&seconds, &utc) != nullptr);
  const auto yq = UtcYearQuarter(instant);
  FUZZ_CHECK(yq.year == utc.tm_year + 1900);
  FUZZ_CHECK(yq.quarter == utc.tm_mon / 3 + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  // 1. Parse agrees with the reference.
  const std::optional<int64_t> parsed = ParseRfc3339(text);
  const std::optional<int64_t> expected = size <= 64 ? ReferenceParse(text) : std::nullopt;
  if (size <= 64) {
    FUZZ_CHECK(parsed.has_value() == expected.has_value());
    if (parsed) FUZZ_CHECK(*parsed == *expected);
  }
  if (parsed) {
    FUZZ_CHECK(*parsed >= kFirstInstant && *parsed <= kLastInstant);
    // 2. Canonical form, and it reads back.
    const std::string formatted = FormatRfc3339(*parsed);
    FUZZ_CHECK(IsCanonical(formatted));
    const std::optional<int64_t> again = ParseRfc3339(formatted);
    FUZZ_CHECK(again.has_value() && *again == *parsed);
    FUZZ_CHECK(FormatRfc3339(*again) == formatted);
    // 3. Year and quarter.
    CheckYearQuarter(*parsed);
  }

  // 4. Any instant formats; those RFC 3339 can write round-trip.
  if (size >= 8) {
    int64_t instant = 0;
    std::memcpy(&instant, data, sizeof instant);
    const std::string formatted = FormatRfc3339(instant);
    FUZZ_CHECK(!formatted.empty() && formatted.back() == 'Z');
    if (instant >= kFirstInstant && instant <= kLastInstant) {
      FUZZ_CHECK(IsCanonical(formatted));
      const std::optional<int64_t> again = ParseRfc3339(formatted);
      FUZZ_CHECK(again.has_value() && *again == instant);
      CheckYearQuarter(instant);
    } else {
      FUZZ_CHECK(!ParseRfc3339(formatted).has_value());
    }
  }
  return 0;
}
