// The generated challenge fixtures (tests/support/challenge_fixtures.py) hold every quirk of the
// historical files, so the tests that load them exercise those quirks; and the same seed gives the
// same bytes. No server: this checks the test data itself, as tests/support/challenge_data.cpp reads it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/challenge_data.hpp"
#include "support/command.hpp"

namespace migration::testing {
namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool HasError(const ExpectedLoad& load, const ExpectedError& error) {
  return std::any_of(load.errors_by_line.begin(), load.errors_by_line.end(),
                     [&error](const auto& line) { return line.second.count(error) > 0; });
}

bool NonAscii(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

const char* const kTables[] = {"departments", "jobs", "hired_employees"};

TEST(ChallengeFixtureTest, TheFilesAreHeaderlessWithLfCrlfAnEmptyLineAndNoFinalBreak) {
  const DataSet data = GeneratedData();
  bool crlf = false;
  bool lf_only = false;
  for (const char* table : kTables) {
    const std::string bytes = ReadBytes(data.File(table));
    ASSERT_FALSE(bytes.empty()) << data.File(table);
    EXPECT_TRUE(bytes.starts_with("1,")) << table << ": the first line is a record, not a header";
    EXPECT_NE(bytes.back(), '\n') << table << ": no line break after the last line";
    crlf = crlf || bytes.find("\r\n") != std::string::npos;
    for (size_t at = bytes.find('\n'); at != std::string::npos; at = bytes.find('\n', at + 1)) {
      lf_only = lf_only || bytes[at - 1] != '\r';
    }
  }
  EXPECT_TRUE(crlf);
  EXPECT_TRUE(lf_only);
  EXPECT_NE(ReadBytes(data.File("hired_employees")).find("\n\n"), std::string::npos) << "an empty line";
}

TEST(ChallengeFixtureTest, NamesNeedQuotingAndAreNotAllAscii) {
  const DataSet data = GeneratedData();
  std::vector<std::string> names;
  for (const char* table : {"departments", "jobs"}) {
    for (const auto& [id, name] : CatalogNames(data, table)) names.push_back(name);
  }
  for (const Hire& hire : ValidHires(data)) names.push_back(hire.name);
  const auto has = [&names](auto predicate) { return std::any_of(names.begin(), names.end(), predicate); };
  EXPECT_TRUE(has([](const std::string& name) { return name.find(',') != std::string::npos; }));
  EXPECT_TRUE(has([](const std::string& name) { return name.find('"') != std::string::npos; }));
  EXPECT_TRUE(has([](const std::string& name) { return NonAscii(name); }));
  EXPECT_TRUE(has([](const std::string& name) { return name.front() == ' ' || name.back() == ' '; }));
}

TEST(ChallengeFixtureTest, DatetimesAreInUtcAndWithOffsetsSomeMovingQuarterOrYear) {
  const std::vector<Hire> hires = ValidHires(GeneratedData());
  const auto has = [&hires](auto predicate) { return std::any_of(hires.begin(), hires.end(), predicate); };
  EXPECT_TRUE(has([](const Hire& hire) { return hire.datetime.ends_with("Z"); }));
  EXPECT_TRUE(has([](const Hire& hire) { return hire.datetime.find('+', 19) != std::string::npos; }));
  EXPECT_TRUE(has([](const Hire& hire) { return hire.datetime.find('-', 19) != std::string::npos; }));
  EXPECT_TRUE(has([](const Hire& hire) { return hire.datetime.find('.', 19) != std::string::npos; }));
  EXPECT_TRUE(has([](const Hire& hire) { return hire.offset_moves_quarter; }));
  EXPECT_TRUE(has([](const Hire& hire) { return std::stoi(hire.datetime.substr(0, 4)) != hire.utc_year; }));
  for (const int year : {2020, 2021, 2022}) {
    EXPECT_TRUE(has([year](const Hire& hire) { return hire.utc_year == year; })) << year;
  }
}

TEST(ChallengeFixtureTest, RejectsCoverEachColumnEmptyMissingFieldsBadValuesUnknownReferencesAndDuplicates) {
  const DataSet data = GeneratedData();
  const ExpectedLoad departments = ExpectCatalog(data, "departments");
  const ExpectedLoad jobs = ExpectCatalog(data, "jobs");
  const ExpectedLoad hires = ExpectHires(data);
  for (const char* field : {"id", "department"}) EXPECT_TRUE(HasError(departments, {field, "missing"})) << field;
  for (const char* field : {"id", "job"}) EXPECT_TRUE(HasError(jobs, {field, "missing"})) << field;
  for (const char* field : {"id", "name", "datetime", "department_id", "job_id"}) {
    EXPECT_TRUE(HasError(hires, {field, "missing"})) << field;
  }
  for (const ExpectedError& error : std::vector<ExpectedError>{{"record", "too_few_fields"},
                                                               {"record", "too_many_fields"},
                                                               {"datetime", "invalid_datetime"},
                                                               {"name", "blank"},
                                                               {"id", "not_integer"},
                                                               {"id", "out_of_range"},
                                                               {"department_id", "unknown_reference"},
                                                               {"job_id", "unknown_reference"},
                                                               {"id", "duplicate"}}) {
    EXPECT_TRUE(HasError(hires, error)) << error.field << " " << error.code;
  }
  EXPECT_TRUE(HasError(departments, {"id", "duplicate"}));
  EXPECT_TRUE(HasError(jobs, {"id", "duplicate"}));
  EXPECT_TRUE(HasError(jobs, {"job", "too_long"}));
  // The browser test pages through the hires' rejects 50 at a time and expects two pages.
  EXPECT_GT(hires.rejected, 50);
  EXPECT_LE(hires.rejected, 100);
}

TEST(ChallengeFixtureTest, TheSameSeedWritesTheSameBytes) {
  const std::string again = ::testing::TempDir() + "/challenge-fixtures-" + std::to_string(::getpid());
  const CommandResult generated = RunProgram(
      {"python3", std::string(MIGRATION_SOURCE_DIR) + "/tests/support/challenge_fixtures.py", "--out", again});
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  for (const char* table : kTables) {
    EXPECT_EQ(ReadBytes(again + "/" + table + ".csv"), ReadBytes(GeneratedData().File(table))) << table;
  }
  std::filesystem::remove_all(again);
}

}  // namespace
}  // namespace migration::testing
