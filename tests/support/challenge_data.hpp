#pragma once
// The sample files in ../shared/data/challenge/ and what loading them must produce, worked out
// here from the files themselves with the data rules of DESIGN §3 — deliberately simple code that
// shares nothing with the server's reader, so the tests compare two independent answers.

#include <map>
#include <set>
#include <string>
#include <vector>

namespace migration::testing {

std::string ChallengeDir();  // MIGRATION_TEST_DATA or <repo>/../shared/data/challenge
std::string ChallengeFile(const std::string& table);

struct ExpectedLoad {
  long long received = 0;
  long long inserted = 0;
  long long rejected = 0;
  // physical line -> the fields of that line that are empty (every reject in the sample names one)
  std::map<long long, std::set<std::string>> empty_fields_by_line;
};

// The valid hires of hired_employees.csv as the rules see them, with the catalog names.
struct Hire {
  std::string datetime;  // as in the file (the sample's are all UTC, ending in Z)
  std::string department_id;
  std::string job_id;
};
std::vector<Hire> ValidHires();
std::map<std::string, std::string> CatalogNames(const std::string& table);  // id -> name

// departments.csv / jobs.csv: every line with an integer id and a non-empty name is valid.
ExpectedLoad ExpectCatalog(const std::string& table);
// hired_employees.csv checked against the ids of departments.csv and jobs.csv.
ExpectedLoad ExpectHires();

}  // namespace migration::testing
