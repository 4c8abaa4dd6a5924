#include "support/challenge_data.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <vector>

namespace migration::testing {
namespace {

const char* const kHireFields[] = {"id", "name", "datetime", "department_id", "job_id"};

std::vector<std::string> SplitLine(const std::string& line, const std::string& path) {
  if (line.find('"') != std::string::npos) {
    throw std::runtime_error(path + " has quoted fields; the expectations here assume plain lines");
  }
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool IsId(const std::string& s) {
  static const std::regex id("[1-9][0-9]{0,9}");
  return std::regex_match(s, id) && std::stoll(s) <= 2147483647LL;
}

bool IsName(const std::string& s) { return s.find_first_not_of(' ') != std::string::npos && s.size() <= 255; }

bool IsDatetime(const std::string& s) {
  static const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  return std::regex_match(s, rfc3339);
}

std::set<std::string> ValidIds(const std::string& table) {
  std::set<std::string> ids;
  for (const auto& line : ReadLines(ChallengeFile(table))) {
    const auto fields = SplitLine(line, table);
    if (fields.size() == 2 && IsId(fields[0]) && IsName(fields[1])) ids.insert(fields[0]);
  }
  return ids;
}

}  // namespace

std::string ChallengeDir() {
  if (const char* dir = std::getenv("MIGRATION_TEST_DATA")) return dir;
  return std::string(MIGRATION_SOURCE_DIR) + "/../shared/data/challenge";
}

std::string ChallengeFile(const std::string& table) { return ChallengeDir() + "/" + table + ".csv"; }

ExpectedLoad ExpectCatalog(const std::string& table) {
  ExpectedLoad expected;
  std::set<std::string> seen;
  long long line_number = 0;
  for (const auto& line : ReadLines(ChallengeFile(table))) {
    ++line_number;
    if (line.empty()) continue;
    ++expected.received;
    const auto fields = SplitLine(line, table);
    if (fields.size() == 2 && IsId(fields[0]) && IsName(fields[1]) && seen.insert(fields[0]).second) {
      ++expected.inserted;
    } else {
      ++expected.rejected;
    }
  }
  return expected;
}

namespace {

ExpectedLoad WalkHires(std::vector<Hire>* valid_hires) {
  const std::set<std::string> departments = ValidIds("departments");
  const std::set<std::string> jobs = ValidIds("jobs");
  ExpectedLoad expected;
  std::set<std::string> seen;
  long long line_number = 0;
  for (const auto& line : ReadLines(ChallengeFile("hired_employees"))) {
    ++line_number;
    if (line.empty()) continue;
    ++expected.received;
    const auto f = SplitLine(line, "hired_employees");
    bool valid = f.size() == 5;
    if (valid) {
      valid = IsId(f[0]) && IsName(f[1]) && IsDatetime(f[2]) && departments.count(f[3]) > 0 &&
              jobs.count(f[4]) > 0 && seen.count(f[0]) == 0;
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i].empty()) expected.empty_fields_by_line[line_number].insert(kHireFields[i]);
      }
    }
    if (valid) {
      seen.insert(f[0]);
      ++expected.inserted;
      if (valid_hires != nullptr) valid_hires->push_back({f[2], f[3], f[4]});
    } else {
      ++expected.rejected;
    }
  }
  return expected;
}

}  // namespace

ExpectedLoad ExpectHires() { return WalkHires(nullptr); }

std::vector<Hire> ValidHires() {
  std::vector<Hire> hires;
  WalkHires(&hires);
  return hires;
}

std::map<std::string, std::string> CatalogNames(const std::string& table) {
  std::map<std::string, std::string> names;
  for (const auto& line : ReadLines(ChallengeFile(table))) {
    const auto fields = SplitLine(line, table);
    if (fields.size() == 2 && IsId(fields[0]) && IsName(fields[1])) names.emplace(fields[0], fields[1]);
  }
  return names;
}

}  // namespace migration::testing
