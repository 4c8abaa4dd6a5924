#pragma once
// The challenge's three headerless CSV files and what loading them must produce, worked out here
// from the files themselves with the data rules of DESIGN §3 — deliberately simple code that shares
// nothing with the server's reader, so the tests compare two independent answers.
//
// Two sets of files:
//  - GeneratedData(): the project's own fixtures, written at build time by
//    tests/support/challenge_fixtures.py (seeded, with every quirk of the historical files). Tests
//    always run on these, so a bare clone passes.
//  - RealSample(): the real sample when it is there (MIGRATION_TEST_DATA, or
//    ../shared/data/challenge beside the checkout): the same assertions run on it as an extra
//    check, skipped (never failed) when it is absent.

#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace migration::testing {

struct DataSet {
  std::string name;  // "generated" or "real sample", for failure messages
  std::string dir;   // holds departments.csv, jobs.csv, hired_employees.csv (and nothing else)
  std::string File(const std::string& table) const { return dir + "/" + table + ".csv"; }
};

DataSet GeneratedData();
// nullopt when MIGRATION_TEST_DATA is unset and ../shared/data/challenge has no sample; throws when
// MIGRATION_TEST_DATA names a folder without the three files (asked for, so missing is an error).
std::optional<DataSet> RealSample();
// The message of GTEST_SKIP() for a real-sample case without the sample.
inline constexpr const char* kNoRealSample =
    "no real sample (set MIGRATION_TEST_DATA or put it in ../shared/data/challenge); the generated fixtures ran";

// One entry of a reject's `errors`, as the API names it.
struct ExpectedError {
  std::string field;  // a column, or "record" for a wrong field count
  std::string code;   // missing, blank, too_long, not_integer, out_of_range, invalid_datetime, ...
  auto operator<=>(const ExpectedError&) const = default;
};

struct ExpectedLoad {
  long long received = 0;
  long long inserted = 0;
  long long rejected = 0;
  std::map<long long, std::set<ExpectedError>> errors_by_line;  // physical line -> its reject's errors
  std::map<long long, std::string> raw_by_line;                 // physical line -> the rejected line
};

// A valid hire of hired_employees.csv as the rules see it: the datetime as written and its UTC
// year and quarter (what the reports count), the ids as numbers ("007" is 7).
struct Hire {
  long long id = 0;
  std::string name;
  std::string datetime;
  int utc_year = 0;
  int utc_quarter = 0;  // 1..4
  long long department_id = 0;
  long long job_id = 0;
  bool offset_moves_quarter = false;  // written with an offset that puts it in another quarter in UTC
};

// departments.csv / jobs.csv loaded into empty tables.
ExpectedLoad ExpectCatalog(const DataSet& data, const std::string& table);
// hired_employees.csv loaded after both catalogs, into an empty table.
ExpectedLoad ExpectHires(const DataSet& data);
std::vector<Hire> ValidHires(const DataSet& data);
std::map<long long, std::string> CatalogNames(const DataSet& data, const std::string& table);  // id -> name

}  // namespace migration::testing
