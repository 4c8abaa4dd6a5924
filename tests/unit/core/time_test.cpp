#include "core/time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>
#include <string>

namespace migration::core {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kFirstInstant = -62'135'596'800 * kSecond;           // 0001-01-01T00:00:00Z
constexpr int64_t kLastInstant = 253'402'300'799 * kSecond + 999'999;  // 9999-12-31T23:59:59.999999Z

// Parses text that must be valid; fails the test with the text otherwise.
int64_t MustParse(const std::string& text) {
  const std::optional<int64_t> parsed = ParseRfc3339(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(0);
}

// --- valid forms ---------------------------------------------------------------------------------

TEST(ParseRfc3339Test, ParsesUtcWithZ) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08Z"), 1'627'401'728 * kSecond);
  EXPECT_EQ(ParseRfc3339("2000-02-29T12:00:00Z"), 951'825'600 * kSecond);
}

TEST(ParseRfc3339Test, AcceptsLowerCaseTAndZ) {
  EXPECT_EQ(ParseRfc3339("2021-07-27t16:02:08Z"), 1'627'401'728 * kSecond);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08z"), 1'627'401'728 * kSecond);
  EXPECT_EQ(ParseRfc3339("2021-07-27t16:02:08z"), 1'627'401'728 * kSecond);
}

TEST(ParseRfc3339Test, ParsesFractionOfOneToNineDigitsTruncatedToMicroseconds) {
  const int64_t base = 1'627'401'728 * kSecond;
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.5Z"), base + 500'000);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.12Z"), base + 120'000);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.000001Z"), base + 1);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.123456Z"), base + 123'456);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.1234567Z"), base + 123'456);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.999999999Z"), base + 999'999);  // truncated, never rounded up
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.000000000Z"), base);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08.5+02:00"), base - 2 * kHour + 500'000);
}

TEST(ParseRfc3339Test, AppliesPositiveAndNegativeOffsets) {
  const int64_t utc = 1'627'401'728 * kSecond;
  EXPECT_EQ(ParseRfc3339("2021-07-27T18:02:08+02:00"), utc);
  EXPECT_EQ(ParseRfc3339("2021-07-27T11:02:08-05:00"), utc);
  EXPECT_EQ(ParseRfc3339("2021-07-27T21:32:08+05:30"), utc);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08+00:00"), utc);
  EXPECT_EQ(ParseRfc3339("2021-07-27T16:02:08-00:00"), utc);  // RFC 3339 §4.3: unknown offset, same instant
  EXPECT_EQ(ParseRfc3339("2021-07-28T16:01:08+23:59"), utc);
  EXPECT_EQ(ParseRfc3339("2021-07-26T16:03:08-23:59"), utc);
}

TEST(ParseRfc3339Test, OffsetCrossesDayBoundary) {
  EXPECT_EQ(FormatRfc3339(MustParse("2021-07-27T23:30:00-01:00")), "2021-07-28T00:30:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2021-07-28T00:30:00+01:00")), "2021-07-27T23:30:00Z");
}

TEST(ParseRfc3339Test, OffsetCrossesMonthAndQuarterBoundary) {
  EXPECT_EQ(FormatRfc3339(MustParse("2021-03-31T23:30:00-01:00")), "2021-04-01T00:30:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2021-04-01T00:30:00+01:00")), "2021-03-31T23:30:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2024-02-29T23:00:00-02:00")), "2024-03-01T01:00:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2023-03-01T00:30:00+01:00")), "2023-02-28T23:30:00Z");
}

TEST(ParseRfc3339Test, OffsetCrossesYearBoundary) {
  EXPECT_EQ(FormatRfc3339(MustParse("2021-12-31T23:00:00-02:00")), "2022-01-01T01:00:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2022-01-01T00:30:00+01:00")), "2021-12-31T23:30:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("1970-01-01T00:30:00+01:00")), "1969-12-31T23:30:00Z");
}

TEST(ParseRfc3339Test, ParsesInstantsBeforeTheEpochAsNegative) {
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.5Z"), -kSecond / 2);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(ParseRfc3339("1900-03-01T00:00:00Z"), -2'203'891'200 * kSecond);
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), kFirstInstant);
}

TEST(ParseRfc3339Test, ParsesExtremeYears) {
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), kFirstInstant);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999Z"), kLastInstant);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999999Z"), kLastInstant);
}

// --- Feb 29 and days per month -------------------------------------------------------------------

TEST(ParseRfc3339Test, AcceptsFebruary29OnlyInLeapYears) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z"));  // divisible by 4
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z"));  // divisible by 400
  EXPECT_TRUE(ParseRfc3339("1600-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z"));  // not divisible by 4
  EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z"));  // divisible by 100, not by 400
  EXPECT_FALSE(ParseRfc3339("2100-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2024-02-30T00:00:00Z"));
}

TEST(ParseRfc3339Test, RejectsDaysPastTheEndOfTheMonth) {
  const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 1; month <= 12; ++month) {
    char last[32];
    char past[32];
    std::snprintf(last, sizeof last, "2023-%02d-%02dT00:00:00Z", month, days_in_month[month - 1]);
    std::snprintf(past, sizeof past, "2023-%02d-%02dT00:00:00Z", month, days_in_month[month - 1] + 1);
    EXPECT_TRUE(ParseRfc3339(last)) << last;
    EXPECT_FALSE(ParseRfc3339(past)) << past;
  }
}

// --- invalid forms -------------------------------------------------------------------------------

TEST(ParseRfc3339Test, RejectsBadMonth) {
  EXPECT_FALSE(ParseRfc3339("2021-00-10T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-13-10T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-99-10T00:00:00Z"));
}

TEST(ParseRfc3339Test, RejectsBadDay) {
  EXPECT_FALSE(ParseRfc3339("2021-01-00T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-01-32T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-04-31T00:00:00Z"));
}

TEST(ParseRfc3339Test, RejectsBadHour) {
  EXPECT_TRUE(ParseRfc3339("2021-01-10T23:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-01-10T24:00:00Z"));  // no 24:00 end-of-day form in RFC 3339
  EXPECT_FALSE(ParseRfc3339("2021-01-10T99:00:00Z"));
}

TEST(ParseRfc3339Test, RejectsBadMinute) {
  EXPECT_TRUE(ParseRfc3339("2021-01-10T00:59:00Z"));
  EXPECT_FALSE(ParseRfc3339("2021-01-10T00:60:00Z"));
}

TEST(ParseRfc3339Test, RejectsBadSecondIncludingLeapSecond) {
  EXPECT_TRUE(ParseRfc3339("2021-01-10T00:00:59Z"));
  EXPECT_FALSE(ParseRfc3339("2016-12-31T23:59:60Z"));  // a real leap second, still rejected by design
  EXPECT_FALSE(ParseRfc3339("2021-01-10T00:00:61Z"));
}

TEST(ParseRfc3339Test, RejectsYearZero) { EXPECT_FALSE(ParseRfc3339("0000-01-01T00:00:00Z")); }

// An offset must not carry the UTC instant out of years 0001..9999: it could not be written back
// (stored as text on SQLite, read back as the epoch; refused by PostgreSQL as year 0).
TEST(ParseRfc3339Test, RejectsOffsetsThatLeaveYears1To9999InUtc) {
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:30:00+01:00"));
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00.999999+00:01"));
  EXPECT_EQ(ParseRfc3339("0001-01-01T01:00:00+01:00"), kFirstInstant);
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00-01:00"), kFirstInstant + 3600 * kSecond);
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:30:00-01:00"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59-00:01"));
  EXPECT_EQ(ParseRfc3339("9999-12-31T22:59:59.999999-01:00"), kLastInstant);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999+01:00"), kLastInstant - 3600 * kSecond);
}

TEST(ParseRfc3339Test, RejectsBadOffsets) {
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+24:00"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+01:60"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+0100"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+01"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+1:00"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+01:0"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+01:00:00"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+ab:cd"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08 +01:00"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08UTC"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08GMT+1"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08Z+01:00"));
}

TEST(ParseRfc3339Test, RejectsMissingParts) {
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08"));  // no zone: a local time is not an instant
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27TZ"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27"));
  EXPECT_FALSE(ParseRfc3339("2021-07"));
  EXPECT_FALSE(ParseRfc3339("16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08."));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08.Z"));
}

TEST(ParseRfc3339Test, RejectsFieldsWithWrongWidthOrNonDigits) {
  EXPECT_FALSE(ParseRfc3339("2021-7-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-7T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("21-07-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("02021-07-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T6:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-0a-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:0xZ"));
  EXPECT_FALSE(ParseRfc3339("+021-07-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("-021-07-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08.12a4Z"));
}

TEST(ParseRfc3339Test, RejectsOtherSeparators) {
  EXPECT_FALSE(ParseRfc3339("2021-07-27 16:02:08Z"));  // space instead of T
  EXPECT_FALSE(ParseRfc3339("2021-07-27_16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021/07/27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16.02.08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08,5Z"));  // ISO 8601 decimal comma is not RFC 3339
  EXPECT_FALSE(ParseRfc3339("2021/07/27"));
  EXPECT_FALSE(ParseRfc3339("20210727T160208Z"));  // ISO 8601 basic format
}

TEST(ParseRfc3339Test, RejectsLeadingAndTrailingGarbage) {
  EXPECT_FALSE(ParseRfc3339(" 2021-07-27T16:02:08Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08Z "));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08Zx"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08ZZ"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08+01:00x"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08Z\n"));
  EXPECT_FALSE(ParseRfc3339(std::string_view("2021-07-27T16:02:08Z\0", 21)));
}

TEST(ParseRfc3339Test, RejectsTenFractionDigits) {
  EXPECT_TRUE(ParseRfc3339("2021-07-27T16:02:08.123456789Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:08.1234567890Z"));
}

TEST(ParseRfc3339Test, RejectsEmptyAndShortText) {
  EXPECT_FALSE(ParseRfc3339(""));
  EXPECT_FALSE(ParseRfc3339("Z"));
  EXPECT_FALSE(ParseRfc3339("2021-07-27T16:02:0Z"));
}

TEST(ParseRfc3339Test, RejectsEveryTruncationOfAValidTimestamp) {
  const std::string full = "2021-07-27T16:02:08.123+05:30";
  for (size_t length = 0; length < full.size(); ++length) {
    const std::string prefix = full.substr(0, length);
    EXPECT_FALSE(ParseRfc3339(prefix)) << prefix;
  }
}

// --- formatting ----------------------------------------------------------------------------------

TEST(FormatRfc3339Test, WritesSecondsWithZ) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1'627'401'728 * kSecond), "2021-07-27T16:02:08Z");
}

TEST(FormatRfc3339Test, WritesSixFractionDigitsOnlyWhenMicrosecondsAreNonZero) {
  EXPECT_EQ(FormatRfc3339(1'627'401'728 * kSecond + 500'000), "2021-07-27T16:02:08.500000Z");
  EXPECT_EQ(FormatRfc3339(1'627'401'728 * kSecond + 1), "2021-07-27T16:02:08.000001Z");
}

TEST(FormatRfc3339Test, WritesInstantsBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-kSecond), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-kDay), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-kDay - 1), "1969-12-30T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-2'203'891'200 * kSecond), "1900-03-01T00:00:00Z");
}

TEST(FormatRfc3339Test, WritesExtremeYearsWithFourDigits) {
  EXPECT_EQ(FormatRfc3339(kFirstInstant), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kLastInstant), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339Test, WritesYearsOutsideRfc3339Unambiguously) {
  // Not reachable from ParseRfc3339, but must not produce garbage or crash.
  EXPECT_EQ(FormatRfc3339(kFirstInstant - kSecond), "0000-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(kLastInstant + 1), "10000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kFirstInstant - 366 * kDay), "0000-01-01T00:00:00Z");  // year 0 is a leap year
  EXPECT_EQ(FormatRfc3339(kFirstInstant - (366 + 365) * kDay), "-0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<int64_t>::min()), "-290308-12-21T19:59:05.224192Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<int64_t>::max()), "294247-01-10T04:00:54.775807Z");
}

// --- round trips ---------------------------------------------------------------------------------

TEST(Rfc3339RoundTripTest, RandomInstantsOverYears1To9999) {
  std::mt19937_64 random(20210727);  // fixed seed: failures must be reproducible
  std::uniform_int_distribution<int64_t> instants(kFirstInstant, kLastInstant);
  for (int i = 0; i < 200'000; ++i) {
    // Half the draws whole seconds, so both output shapes (with and without fraction) are covered.
    int64_t instant = instants(random);
    if (i % 2 == 0) instant -= ((instant % kSecond) + kSecond) % kSecond;
    const std::string text = FormatRfc3339(instant);
    ASSERT_EQ(ParseRfc3339(text), instant) << text;
  }
}

TEST(Rfc3339RoundTripTest, CalendarWalkFromYear1To9999) {
  // An independent oracle: step through the calendar one day at a time with the plain leap-year
  // rule, adding one day of microseconds per step, and compare both directions at midnight.
  const auto is_leap = [](int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; };
  const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const auto put = [](char* out, int value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
  };
  int64_t instant = kFirstInstant;
  std::string text = "YYYY-MM-DDT00:00:00Z";
  for (int year = 1; year <= 9999; ++year) {
    put(&text[0], year, 4);
    for (int month = 1; month <= 12; ++month) {
      put(&text[5], month, 2);
      const int last_day = days_in_month[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
      for (int day = 1; day <= last_day; ++day) {
        // Check the first and last day of every month, and every day of the years around the leap
        // rules' edges and the epoch: all 3.65 million days take seconds in a sanitizer build.
        const bool check = day == 1 || day == last_day || year <= 2 || year >= 9998 || year % 100 == 0 ||
                           (year >= 1969 && year <= 1971) || (year >= 2023 && year <= 2024);
        if (!check) {
          instant += kDay;
          continue;
        }
        put(&text[8], day, 2);
        if (ParseRfc3339(text) != instant || FormatRfc3339(instant) != text) {
          ASSERT_EQ(ParseRfc3339(text), instant) << text;
          ASSERT_EQ(FormatRfc3339(instant), text);
        }
        instant += kDay;
      }
    }
  }
  EXPECT_EQ(instant, kLastInstant + 1);
}

TEST(Rfc3339RoundTripTest, OffsetFormsFormatAsCanonicalUtc) {
  EXPECT_EQ(FormatRfc3339(MustParse("2021-07-27t18:02:08.250+02:00")), "2021-07-27T16:02:08.250000Z");
  EXPECT_EQ(FormatRfc3339(MustParse("0001-01-01T05:00:00+05:00")), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(MustParse("9999-12-31T18:59:59-05:00")), "9999-12-31T23:59:59Z");
}

}  // namespace
}  // namespace migration::core

namespace migration::core {
namespace {

TEST(UtcYearQuarterTest, QuarterBoundariesAreUtc) {
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2021-01-01T00:00:00Z")), (YearQuarter{2021, 1}));
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2021-03-31T23:59:59.999999Z")), (YearQuarter{2021, 1}));
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2021-04-01T00:00:00Z")), (YearQuarter{2021, 2}));
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2021-12-31T23:59:59Z")), (YearQuarter{2021, 4}));
  // An offset that crosses a quarter or a year in UTC.
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2021-03-31T23:30:00-01:00")), (YearQuarter{2021, 2}));
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("2022-01-01T00:30:00+01:00")), (YearQuarter{2021, 4}));
  EXPECT_EQ(UtcYearQuarter(*ParseRfc3339("1969-12-31T23:59:59Z")), (YearQuarter{1969, 4}));
}

}  // namespace
}  // namespace migration::core

namespace migration::core {
namespace {

TEST(UtcDateTest, IsTheCalendarDayInUtcAcrossYearEndsLeapDaysAndTheEpoch) {
  const auto at = [](const char* text) { return *ParseRfc3339(text); };
  EXPECT_EQ(UtcDate(at("2021-12-31T23:59:59.999999Z")), (CivilDate{2021, 12, 31}));
  EXPECT_EQ(UtcDate(at("2022-01-01T00:00:00Z")), (CivilDate{2022, 1, 1}));
  EXPECT_EQ(UtcDate(at("2024-02-29T12:00:00Z")), (CivilDate{2024, 2, 29}));
  // An offset moves the instant, and so the UTC day.
  EXPECT_EQ(UtcDate(at("2021-03-01T01:00:00+02:00")), (CivilDate{2021, 2, 28}));
  EXPECT_EQ(UtcDate(-1), (CivilDate{1969, 12, 31}));
  EXPECT_EQ(UtcDate(0), (CivilDate{1970, 1, 1}));
}

}  // namespace
}  // namespace migration::core
