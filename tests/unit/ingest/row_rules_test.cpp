#include "ingest/row_rules.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "ingest/utf8.hpp"

namespace migration::ingest {

// Readable failure output (found by ADL, so it lives in FieldError's namespace).
void PrintTo(const FieldError& error, std::ostream* out) {
  *out << "{" << error.field << ", " << error.code << ", \"" << error.message << "\"}";
}

namespace {

using core::Row;
using core::Table;
using Fields = std::vector<std::optional<std::string_view>>;

constexpr int64_t kSecond = 1'000'000;
constexpr size_t kMaxMessageBytes = 200;

std::vector<FieldError> Validate(Table table, const Fields& fields, Row& row) {
  return ValidateFields(table, fields, row);
}

std::vector<FieldError> Validate(Table table, const Fields& fields) {
  Row row;
  return ValidateFields(table, fields, row);
}

// The single error of a hired_employees record whose other fields are valid.
FieldError HireErrorFor(size_t column, std::string_view value) {
  Fields fields = {"1", "Harold Vogt", "2021-11-07T02:48:42Z", "2", "96"};
  fields[column] = value;
  const std::vector<FieldError> errors = Validate(Table::kHiredEmployees, fields);
  EXPECT_EQ(errors.size(), 1u) << "value: " << value;
  return errors.empty() ? FieldError{} : errors.front();
}

std::optional<FieldError> TextError(std::string_view text) {
  std::string out;
  return ParseText("name", text, out);
}

// --- valid records -------------------------------------------------------------------------------

TEST(ValidateFieldsTest, AcceptsDepartment) {
  Row row;
  EXPECT_TRUE(Validate(Table::kDepartments, {"1", "Product Management"}, row).empty());
  EXPECT_EQ(row, (Row{.id = 1, .text = "Product Management"}));
}

TEST(ValidateFieldsTest, AcceptsJob) {
  Row row;
  EXPECT_TRUE(Validate(Table::kJobs, {"183", "VP Sales"}, row).empty());
  EXPECT_EQ(row, (Row{.id = 183, .text = "VP Sales"}));
}

TEST(ValidateFieldsTest, AcceptsHiredEmployee) {
  Row row;
  EXPECT_TRUE(Validate(Table::kHiredEmployees, {"1", "Harold Vogt", "2021-11-07T02:48:42Z", "2", "96"}, row).empty());
  EXPECT_EQ(
      row,
      (Row{.id = 1, .text = "Harold Vogt", .datetime_us = 1'636'253'322 * kSecond, .department_id = 2, .job_id = 96}));
}

TEST(ValidateFieldsTest, StoresHireDatetimeAsUtc) {
  Row row;
  EXPECT_TRUE(Validate(Table::kHiredEmployees, {"1", "A", "2021-03-31T23:30:00-01:00", "2", "3"}, row).empty());
  EXPECT_EQ(row.datetime_us, *core::ParseRfc3339("2021-04-01T00:30:00Z"));
}

TEST(ValidateFieldsTest, ResetsHireOnlyFieldsWhenReusingARow) {
  Row row{.id = 9, .text = "old", .datetime_us = 123, .department_id = 4, .job_id = 5};
  EXPECT_TRUE(Validate(Table::kJobs, {"7", "Welder"}, row).empty());
  EXPECT_EQ(row, (Row{.id = 7, .text = "Welder"}));
}

TEST(ValidateFieldsTest, LeavesRowUntouchedWhenRecordIsInvalid) {
  const Row before{.id = 9, .text = "old", .datetime_us = 123, .department_id = 4, .job_id = 5};
  Row row = before;
  EXPECT_FALSE(Validate(Table::kHiredEmployees, {"1", "New", "2021-11-07T02:48:42Z", "2", "x"}, row).empty());
  EXPECT_EQ(row, before);
}

// --- field counts --------------------------------------------------------------------------------

TEST(ValidateFieldsTest, ReportsTooFewFieldsForHires) {
  // The common case: trailing fields missing. Only the count is reported.
  EXPECT_EQ(Validate(Table::kHiredEmployees, {"1", "Harold", "2021-01-01T00:00:00Z", "2"}),
            (std::vector<FieldError>{
                {"record", "too_few_fields", "expected 5 fields (id,name,datetime,department_id,job_id), got 4"}}));
}

TEST(ValidateFieldsTest, ReportsTooManyFieldsForHires) {
  EXPECT_EQ(Validate(Table::kHiredEmployees, {"1", "Harold", "2021-01-01T00:00:00Z", "2", "3", "x"}),
            (std::vector<FieldError>{
                {"record", "too_many_fields", "expected 5 fields (id,name,datetime,department_id,job_id), got 6"}}));
}

TEST(ValidateFieldsTest, ReportsOnlyTheCountEvenWhenFieldsAreAlsoInvalid) {
  const std::vector<FieldError> errors = Validate(Table::kHiredEmployees, {"x", "", "bad"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "too_few_fields");
}

TEST(ValidateFieldsTest, ReportsFieldCountsForDepartments) {
  EXPECT_EQ(Validate(Table::kDepartments, {"1"}),
            (std::vector<FieldError>{{"record", "too_few_fields", "expected 2 fields (id,department), got 1"}}));
  EXPECT_EQ(Validate(Table::kDepartments, {"1", "Sales", "x"}),
            (std::vector<FieldError>{{"record", "too_many_fields", "expected 2 fields (id,department), got 3"}}));
}

TEST(ValidateFieldsTest, ReportsFieldCountsForJobs) {
  EXPECT_EQ(Validate(Table::kJobs, {}),
            (std::vector<FieldError>{{"record", "too_few_fields", "expected 2 fields (id,job), got 0"}}));
  EXPECT_EQ(Validate(Table::kJobs, {"1", "a", "b", "c"}),
            (std::vector<FieldError>{{"record", "too_many_fields", "expected 2 fields (id,job), got 4"}}));
}

// --- missing -------------------------------------------------------------------------------------

TEST(ValidateFieldsTest, ReportsEachEmptyHireFieldAsMissing) {
  const char* const kColumns[] = {"id", "name", "datetime", "department_id", "job_id"};
  for (size_t column = 0; column < 5; ++column) {
    const FieldError error = HireErrorFor(column, "");
    EXPECT_EQ(error,
              (FieldError{kColumns[column], "missing", std::string(kColumns[column]) + " is required but empty"}));
  }
}

TEST(ValidateFieldsTest, ReportsAbsentFieldsAsMissing) {
  Fields fields = {"1", "Harold Vogt", "2021-11-07T02:48:42Z", std::nullopt, "96"};
  EXPECT_EQ(Validate(Table::kHiredEmployees, fields),
            (std::vector<FieldError>{{"department_id", "missing", "department_id is required but missing or null"}}));
  EXPECT_EQ(Validate(Table::kDepartments, {std::nullopt, std::nullopt}),
            (std::vector<FieldError>{{"id", "missing", "id is required but missing or null"},
                                     {"department", "missing", "department is required but missing or null"}}));
}

TEST(ValidateFieldsTest, ReportsMissingForDepartmentAndJobText) {
  EXPECT_EQ(Validate(Table::kDepartments, {"1", ""}),
            (std::vector<FieldError>{{"department", "missing", "department is required but empty"}}));
  EXPECT_EQ(Validate(Table::kJobs, {"", "Welder"}),
            (std::vector<FieldError>{{"id", "missing", "id is required but empty"}}));
}

TEST(ValidateFieldsTest, ReportsRealSampleRowWithEmptyJob) {
  // hired_employees.csv line 2: "2,Ty Hofer,2021-05-30T05:43:46Z,8,"
  EXPECT_EQ(Validate(Table::kHiredEmployees, {"2", "Ty Hofer", "2021-05-30T05:43:46Z", "8", ""}),
            (std::vector<FieldError>{{"job_id", "missing", "job_id is required but empty"}}));
}

// --- every error of a record ---------------------------------------------------------------------

TEST(ValidateFieldsTest, ReportsEveryInvalidFieldInColumnOrder) {
  const std::vector<FieldError> errors =
      Validate(Table::kHiredEmployees, {"-1", "   ", "2021/07/27", "", "2147483648"});
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_EQ(errors[0].code, "not_integer");
  EXPECT_EQ(errors[1].field, "name");
  EXPECT_EQ(errors[1].code, "blank");
  EXPECT_EQ(errors[2].field, "datetime");
  EXPECT_EQ(errors[2].code, "invalid_datetime");
  EXPECT_EQ(errors[3].field, "department_id");
  EXPECT_EQ(errors[3].code, "missing");
  EXPECT_EQ(errors[4].field, "job_id");
  EXPECT_EQ(errors[4].code, "out_of_range");
}

TEST(ValidateFieldsTest, ReportsBothErrorsOfADepartment) {
  const std::vector<FieldError> errors = Validate(Table::kDepartments, {"0", "\xC0\x80"});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_EQ(errors[0].code, "out_of_range");
  EXPECT_EQ(errors[1].field, "department");
  EXPECT_EQ(errors[1].code, "invalid_utf8");
}

TEST(ValidateFieldsTest, ReportsBothErrorsOfAJob) {
  const std::vector<FieldError> errors = Validate(Table::kJobs, {"1.5", std::string(256, 'j')});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_EQ(errors[0].code, "not_integer");
  EXPECT_EQ(errors[1].field, "job");
  EXPECT_EQ(errors[1].code, "too_long");
}

// --- integers: id, department_id, job_id ---------------------------------------------------------

TEST(ParseIdTest, AcceptsOneToInt32Max) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", "1", out), std::nullopt);
  EXPECT_EQ(out, 1);
  EXPECT_EQ(ParseId("id", "2147483647", out), std::nullopt);
  EXPECT_EQ(out, 2'147'483'647);
}

TEST(ParseIdTest, AcceptsLeadingZeros) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", "007", out), std::nullopt);
  EXPECT_EQ(out, 7);
  EXPECT_EQ(ParseId("id", "00000000000000000000002147483647", out), std::nullopt);
  EXPECT_EQ(out, 2'147'483'647);
}

TEST(ParseIdTest, RejectsNonDigitsAsNotInteger) {
  for (const std::string_view text :
       {"-3", "+3", " 3", "3 ", "3.0", "1e3", "0x10", "abc", "1,000", "\xD9\xA3", "3\t", "-0"}) {
    int32_t out = 42;
    const std::optional<FieldError> error = ParseId("department_id", text, out);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->field, "department_id");
    EXPECT_EQ(error->code, "not_integer") << text;
    EXPECT_EQ(out, 42) << "output must not change on error";
  }
}

TEST(ParseIdTest, NotIntegerMessageQuotesTheValue) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("department_id", "-3", out)->message,
            "department_id must be a whole number from 1 to 2147483647 (digits only), got \"-3\"");
}

TEST(ParseIdTest, RejectsZeroAndTooLargeAsOutOfRange) {
  for (const std::string_view text : {"0", "000", "2147483648", "4294967296", "9223372036854775808",
                                      "99999999999999999999999999999999999999999999999999"}) {
    int32_t out = 42;
    const std::optional<FieldError> error = ParseId("job_id", text, out);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->field, "job_id");
    EXPECT_EQ(error->code, "out_of_range") << text;
    EXPECT_EQ(out, 42);
  }
}

TEST(ParseIdTest, OutOfRangeMessageQuotesTheValue) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", "0", out)->message, "id must be from 1 to 2147483647, got \"0\"");
  EXPECT_EQ(ParseId("id", "2147483648", out)->message, "id must be from 1 to 2147483647, got \"2147483648\"");
}

TEST(ParseIdTest, NonDigitAfterOverflowIsNotInteger) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", "99999999999999999999x", out)->code, "not_integer");
}

TEST(ParseIdTest, EmptyIsMissing) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", "", out), (FieldError{"id", "missing", "id is required but empty"}));
}

TEST(ValidateFieldsTest, ChecksEveryIntegerColumnOfHires) {
  EXPECT_EQ(HireErrorFor(0, "x").field, "id");
  EXPECT_EQ(HireErrorFor(0, "x").code, "not_integer");
  EXPECT_EQ(HireErrorFor(0, "0").code, "out_of_range");
  EXPECT_EQ(HireErrorFor(3, "x").field, "department_id");
  EXPECT_EQ(HireErrorFor(3, "x").code, "not_integer");
  EXPECT_EQ(HireErrorFor(3, "0").code, "out_of_range");
  EXPECT_EQ(HireErrorFor(4, "x").field, "job_id");
  EXPECT_EQ(HireErrorFor(4, "x").code, "not_integer");
  EXPECT_EQ(HireErrorFor(4, "2147483648").code, "out_of_range");
}

TEST(ValidateFieldsTest, ChecksIntegerIdOfDepartmentsAndJobs) {
  EXPECT_EQ(Validate(Table::kDepartments, {"+1", "Sales"})[0].code, "not_integer");
  EXPECT_EQ(Validate(Table::kDepartments, {"0", "Sales"})[0].code, "out_of_range");
  EXPECT_EQ(Validate(Table::kJobs, {" 1", "Welder"})[0].code, "not_integer");
  EXPECT_EQ(Validate(Table::kJobs, {"3000000000", "Welder"})[0].code, "out_of_range");
}

// --- text: department, job, name -----------------------------------------------------------------

TEST(ParseTextTest, StoresTextExactlyAsGiven) {
  std::string out;
  EXPECT_EQ(ParseText("name", "  a  ", out), std::nullopt);
  EXPECT_EQ(out, "  a  ");
  EXPECT_EQ(ParseText("name", "Jos\xC3\xA9 \"Pepe\", Jr.", out), std::nullopt);
  EXPECT_EQ(out, "Jos\xC3\xA9 \"Pepe\", Jr.");
}

TEST(ParseTextTest, EmptyIsMissing) {
  EXPECT_EQ(TextError(""), (FieldError{"name", "missing", "name is required but empty"}));
}

TEST(ParseTextTest, SpacesOnlyIsBlank) {
  for (const std::string_view text : {" ", "   ", "                                        "}) {
    EXPECT_EQ(TextError(text), (FieldError{"name", "blank", "name must not be blank, got only spaces"}));
  }
}

TEST(ParseTextTest, OnlyAsciiSpaceCountsAsBlank) {
  EXPECT_EQ(TextError("\t"), std::nullopt);
  EXPECT_EQ(TextError(" \xC2\xA0 "), std::nullopt);  // U+00A0 NO-BREAK SPACE
}

TEST(ParseTextTest, Accepts255BytesAndRejects256) {
  EXPECT_EQ(TextError(std::string(255, 'a')), std::nullopt);
  EXPECT_EQ(TextError(std::string(256, 'a')),
            (FieldError{"name", "too_long", "name must be at most 255 bytes of UTF-8, got 256 bytes; shorten it"}));
}

TEST(ParseTextTest, CountsBytesNotCharacters) {
  std::string euros;
  for (int i = 0; i < 85; ++i) euros += "\xE2\x82\xAC";  // 85 x 3 bytes = 255
  EXPECT_EQ(TextError(euros), std::nullopt);
  EXPECT_EQ(TextError(euros + "a")->code, "too_long");
}

TEST(ParseTextTest, LongSpacesAreBlankNotTooLong) { EXPECT_EQ(TextError(std::string(300, ' '))->code, "blank"); }

TEST(ParseTextTest, AcceptsValidMultiByteUtf8) {
  EXPECT_EQ(TextError("\xC3\xA9"), std::nullopt);          // 2 bytes: é
  EXPECT_EQ(TextError("\xE2\x82\xAC"), std::nullopt);      // 3 bytes: €
  EXPECT_EQ(TextError("\xF0\x9F\x98\x80"), std::nullopt);  // 4 bytes: U+1F600
  EXPECT_EQ(TextError("\xF4\x8F\xBF\xBF"), std::nullopt);  // U+10FFFF, the last code point
  EXPECT_EQ(TextError("\xED\x9F\xBF"), std::nullopt);      // U+D7FF, just below the surrogates
  EXPECT_EQ(TextError("\xEE\x80\x80"), std::nullopt);      // U+E000, just above them
}

TEST(ParseTextTest, RejectsInvalidUtf8) {
  for (const std::string_view text : {
           std::string_view("\xC0\x80"),          // overlong NUL
           std::string_view("\xC1\xBF"),          // overlong 2-byte
           std::string_view("\xE0\x80\xAF"),      // overlong 3-byte '/'
           std::string_view("\xF0\x80\x80\xAF"),  // overlong 4-byte '/'
           std::string_view("\xED\xA0\x80"),      // surrogate U+D800
           std::string_view("\xED\xBF\xBF"),      // surrogate U+DFFF
           std::string_view("\xF4\x90\x80\x80"),  // U+110000, above the last code point
           std::string_view("\xF5\x80\x80\x80"),  // lead byte never valid
           std::string_view("\xFF"),              // byte never valid
           std::string_view("\x80"),              // stray continuation byte
           std::string_view("\xE2\x82"),          // truncated at the end
           std::string_view("\xE2\x82\x41"),      // truncated in the middle ('A' follows)
           std::string_view("\xC3"),              // truncated 2-byte
           std::string_view("\xF0\x9F\x98"),      // truncated 4-byte
       }) {
    const std::optional<FieldError> error = TextError(text);
    ASSERT_TRUE(error) << testing::PrintToString(text);
    EXPECT_EQ(error->field, "name");
    EXPECT_EQ(error->code, "invalid_utf8");
    EXPECT_FALSE(IsValidUtf8(text));
  }
}

TEST(ParseTextTest, InvalidUtf8MessageNamesByteAndOffset) {
  EXPECT_EQ(TextError("Jos\xE9"),
            (FieldError{"name", "invalid_utf8",
                        "name is not valid UTF-8: byte 0xE9 at offset 3 does not start a valid character; "
                        "re-encode the data as UTF-8"}));
}

TEST(ParseTextTest, InvalidUtf8WinsOverBlankAndTooLong) {
  EXPECT_EQ(TextError(std::string(300, 'a') + "\xFF")->code, "invalid_utf8");
  EXPECT_EQ(TextError("  \xFF  ")->code, "invalid_utf8");
}

TEST(ParseTextTest, NulByteIsRejectedWithItsOffset) {
  EXPECT_EQ(TextError(std::string("Ann\0e", 5)),
            (FieldError{"name", "nul_byte", "name contains a NUL byte at offset 3; remove it"}));
}

TEST(ValidateFieldsTest, ChecksEveryTextColumn) {
  EXPECT_EQ(Validate(Table::kDepartments, {"1", "  "})[0],
            (FieldError{"department", "blank", "department must not be blank, got only spaces"}));
  EXPECT_EQ(Validate(Table::kJobs, {"1", "\xED\xA0\x80"})[0].field, "job");
  EXPECT_EQ(Validate(Table::kJobs, {"1", "\xED\xA0\x80"})[0].code, "invalid_utf8");
  EXPECT_EQ(HireErrorFor(1, std::string(256, 'n')).field, "name");
  EXPECT_EQ(HireErrorFor(1, std::string(256, 'n')).code, "too_long");
}

TEST(ValidateFieldsTest, StoresSurroundingSpacesOfText) {
  Row row;
  EXPECT_TRUE(Validate(Table::kDepartments, {"1", "  a  "}, row).empty());
  EXPECT_EQ(row.text, "  a  ");
}

TEST(IsValidUtf8Test, AcceptsEmptyAsciiAndLongMixedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII text longer than one eight-byte word"));
  EXPECT_TRUE(IsValidUtf8(std::string(1000, 'x') + "\xC3\xA9" + std::string(13, 'y') + "\xF0\x9F\x98\x80"));
}

TEST(FindInvalidUtf8Test, ReturnsOffsetOfTheBadSequenceAfterTheAsciiFastPath) {
  EXPECT_EQ(FindInvalidUtf8("abcdefghijklmnop\xC0\x80"), 16u);
  EXPECT_EQ(FindInvalidUtf8("abcdefgh\xC3\xA9\xE2\x82"), 10u);
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9\xC3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x98\x80"), std::string_view::npos);
}

// --- datetime ------------------------------------------------------------------------------------

TEST(ParseDatetimeTest, StoresUtcMicroseconds) {
  int64_t out = 0;
  EXPECT_EQ(ParseDatetime("datetime", "2021-07-27T16:02:08.5Z", out), std::nullopt);
  EXPECT_EQ(out, 1'627'401'728 * kSecond + 500'000);
}

TEST(ParseDatetimeTest, EmptyIsMissing) {
  int64_t out = 0;
  EXPECT_EQ(ParseDatetime("datetime", "", out), (FieldError{"datetime", "missing", "datetime is required but empty"}));
}

TEST(ParseDatetimeTest, RejectsNonRfc3339WithTheExpectedShape) {
  int64_t out = 7;
  EXPECT_EQ(ParseDatetime("datetime", "2021/07/27", out),
            (FieldError{"datetime", "invalid_datetime",
                        "datetime must be an RFC 3339 timestamp of a real date and time, like 2021-07-27T16:02:08Z "
                        "or 2021-07-27T18:02:08+02:00, got \"2021/07/27\""}));
  EXPECT_EQ(out, 7);
}

TEST(ParseDatetimeTest, RejectsImpossibleDatesAndOtherShapes) {
  for (const std::string_view text : {"2023-02-29T00:00:00Z", "2021-07-27 16:02:08Z", "2021-07-27T16:02:08",
                                      "2021-07-27T16:02:60Z", "1627401728", " 2021-07-27T16:02:08Z"}) {
    int64_t out = 0;
    const std::optional<FieldError> error = ParseDatetime("datetime", text, out);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->code, "invalid_datetime") << text;
  }
}

TEST(ValidateFieldsTest, ChecksDatetimeOfHires) {
  const FieldError error = HireErrorFor(2, "2021-07-27 16:02:08Z");
  EXPECT_EQ(error.field, "datetime");
  EXPECT_EQ(error.code, "invalid_datetime");
}

// --- messages ------------------------------------------------------------------------------------

TEST(MessageTest, EscapesNonPrintableBytesQuotesAndBackslashes) {
  int32_t out = 0;
  EXPECT_EQ(ParseId("id", std::string_view("1\x00\n\"\\\xC3\xA9", 7), out)->message,
            "id must be a whole number from 1 to 2147483647 (digits only), got \"1\\x00\\x0A\\\"\\\\\\xC3\\xA9\"");
}

TEST(MessageTest, TruncatesLongValuesTo40Bytes) {
  int32_t out = 0;
  const std::string long_value = std::string(45, '9') + "x";
  EXPECT_EQ(ParseId("id", long_value, out)->message,
            "id must be a whole number from 1 to 2147483647 (digits only), got \"" + std::string(40, '9') + "...\"");
  EXPECT_EQ(ParseId("id", std::string(40, '9'), out)->message,
            "id must be from 1 to 2147483647, got \"" + std::string(40, '9') + "\"");
}

TEST(MessageTest, NeverSplitsAnEscape) {
  int64_t out = 0;
  // 11 escaped bytes would be 44 bytes: only 10 (40 bytes) fit.
  const std::optional<FieldError> error = ParseDatetime("datetime", std::string(11, '\x01'), out);
  ASSERT_TRUE(error);
  std::string expected_quote = "\"";
  for (int i = 0; i < 10; ++i) expected_quote += "\\x01";
  expected_quote += "...\"";
  EXPECT_TRUE(error->message.ends_with(expected_quote)) << error->message;
}

TEST(MessageTest, StayShortAndAsciiForHostileValues) {
  const std::string hostile = std::string(10'000, '\xFF');
  const std::string huge_digits(100'000, '9');
  std::vector<FieldError> errors = Validate(Table::kHiredEmployees, {hostile, hostile, hostile, huge_digits, ""});
  const std::vector<FieldError> more =
      Validate(Table::kHiredEmployees, {"0", std::string(100'000, 'a'), std::string(5000, '"'), "-1", "1.0"});
  errors.insert(errors.end(), more.begin(), more.end());
  ASSERT_EQ(errors.size(), 10u);
  for (const FieldError& error : errors) {
    EXPECT_LE(error.message.size(), kMaxMessageBytes) << error.message;
    for (const char c : error.message) {
      EXPECT_TRUE(c >= 0x20 && c <= 0x7E) << error.message;
    }
  }
}

}  // namespace
}  // namespace migration::ingest
