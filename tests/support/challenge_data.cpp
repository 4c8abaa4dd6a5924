#include "support/challenge_data.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace migration::testing {
namespace {

constexpr long long kMaxId = 2147483647;
constexpr size_t kMaxTextBytes = 255;
const char* const kTables[] = {"departments", "jobs", "hired_employees"};

enum class Kind { kId, kText, kDatetime, kReference };
struct Column {
  const char* name;
  Kind kind;
};

std::vector<Column> ColumnsOf(const std::string& table) {
  if (table == "departments") return {{"id", Kind::kId}, {"department", Kind::kText}};
  if (table == "jobs") return {{"id", Kind::kId}, {"job", Kind::kText}};
  return {{"id", Kind::kId},
          {"name", Kind::kText},
          {"datetime", Kind::kDatetime},
          {"department_id", Kind::kReference},
          {"job_id", Kind::kReference}};
}

bool IsFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool HoldsTheFiles(const std::string& dir) {
  for (const char* table : kTables) {
    if (!IsFile(dir + "/" + table + ".csv")) return false;
  }
  return true;
}

// Physical lines without their LF or CRLF.
std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// One record of RFC 4180 on one physical line: quoted fields may hold commas and doubled quotes.
// Anything this simple reading cannot take (a quoted line break, a stray quote) throws: the
// expectations would be guesses, so the fixture must not hold it.
std::vector<std::string> SplitRecord(const std::string& line, const std::string& where) {
  std::vector<std::string> fields(1);
  size_t i = 0;
  while (i <= line.size()) {
    std::string& field = fields.back();
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) throw std::runtime_error(where + ": a quoted field runs past the line");
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') throw std::runtime_error(where + ": a quote inside an unquoted field");
        field += line[i++];
      }
    }
    if (i == line.size()) break;
    if (line[i] != ',') throw std::runtime_error(where + ": text after a closing quote");
    fields.emplace_back();
    ++i;
  }
  return fields;
}

bool AllDigits(const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; }

// "007" is 7; nullopt unless 1..2147483647 in decimal digits.
std::optional<long long> IdValue(const std::string& s) {
  if (s.empty() || !AllDigits(s)) return std::nullopt;
  const size_t first = s.find_first_not_of('0');
  if (first == std::string::npos || s.size() - first > 10) return std::nullopt;
  const long long value = std::stoll(s.substr(first));
  return value <= kMaxId ? std::optional<long long>(value) : std::nullopt;
}

int Digits(const std::string& s, size_t at, size_t count) {
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

int DaysIn(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

struct Instant {
  int local_year, local_month, utc_year, utc_month;
};

// The UTC year and month of a local date and time `minutes` minutes east of UTC: the offset moves
// it at most a day, so stepping the date by one day either way is enough.
std::pair<int, int> UtcYearMonth(int year, int month, int day, int minute_of_day, int offset_minutes) {
  const int utc_minute = minute_of_day - offset_minutes;
  if (utc_minute < 0 && day == 1) return month == 1 ? std::pair{year - 1, 12} : std::pair{year, month - 1};
  if (utc_minute >= 24 * 60 && day == DaysIn(year, month)) {
    return month == 12 ? std::pair{year + 1, 1} : std::pair{year, month + 1};
  }
  return {year, month};
}

// RFC 3339 as DESIGN §3 has it: YYYY-MM-DDTHH:MM:SS, an optional fraction of 1 to 9 digits, Z or
// ±HH:MM; a real date, hours to 23, seconds to 59 (no leap second); 't' and 'z' in either case.
std::optional<Instant> ParseDatetime(const std::string& s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  const int hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysIn(year, month) || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  size_t at = 19;
  if (s[at] == '.') {
    const size_t start = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    if (at == start || at - start > 9) return std::nullopt;
  }
  int offset = 0;
  if (at + 1 == s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    offset = 0;
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    const int hours = Digits(s, at + 1, 2), minutes = Digits(s, at + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
    offset = (hours * 60 + minutes) * (s[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const auto [utc_year, utc_month] = UtcYearMonth(year, month, day, hour * 60 + minute, offset);
  return Instant{year, month, utc_year, utc_month};
}

// The field rules of DESIGN §3, in the API's words; empty when the fields are valid.
std::set<ExpectedError> FieldErrors(const std::vector<Column>& columns, const std::vector<std::string>& fields) {
  if (fields.size() != columns.size()) {
    return {{"record", fields.size() < columns.size() ? "too_few_fields" : "too_many_fields"}};
  }
  std::set<ExpectedError> errors;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& value = fields[i];
    const std::string field = columns[i].name;
    if (value.empty()) {
      errors.insert({field, "missing"});
    } else if (columns[i].kind == Kind::kText) {
      if (value.find_first_not_of(' ') == std::string::npos) errors.insert({field, "blank"});
      if (value.size() > kMaxTextBytes) errors.insert({field, "too_long"});
    } else if (columns[i].kind == Kind::kDatetime) {
      if (!ParseDatetime(value)) errors.insert({field, "invalid_datetime"});
    } else if (!AllDigits(value)) {
      errors.insert({field, "not_integer"});
    } else if (!IdValue(value)) {
      errors.insert({field, "out_of_range"});
    }
  }
  return errors;
}

struct Walked {
  ExpectedLoad expected;
  std::vector<std::vector<std::string>> valid_rows;  // the fields of each inserted row, in file order
  std::set<long long> ids;                           // of the inserted rows
};

// `table`'s file read into an empty table; hires checked against the inserted catalog ids.
Walked Walk(const DataSet& data, const std::string& table, const std::set<long long>* departments = nullptr,
            const std::set<long long>* jobs = nullptr) {
  const std::vector<Column> columns = ColumnsOf(table);
  Walked walked;
  long long line_number = 0;
  for (const auto& line : ReadLines(data.File(table))) {
    ++line_number;
    if (line.empty()) continue;  // an empty line is no record
    ++walked.expected.received;
    const auto fields = SplitRecord(line, data.File(table) + ":" + std::to_string(line_number));
    std::set<ExpectedError> errors = FieldErrors(columns, fields);
    // References are checked only on rows whose fields are valid, and ids only on valid rows.
    if (errors.empty() && departments != nullptr) {
      if (departments->count(*IdValue(fields[3])) == 0) errors.insert({"department_id", "unknown_reference"});
      if (jobs->count(*IdValue(fields[4])) == 0) errors.insert({"job_id", "unknown_reference"});
    }
    if (errors.empty() && !walked.ids.insert(*IdValue(fields[0])).second) errors.insert({"id", "duplicate"});
    if (errors.empty()) {
      ++walked.expected.inserted;
      walked.valid_rows.push_back(fields);
    } else {
      ++walked.expected.rejected;
      walked.expected.errors_by_line[line_number] = std::move(errors);
      walked.expected.raw_by_line[line_number] = line;
    }
  }
  return walked;
}

Walked WalkHires(const DataSet& data) {
  const std::set<long long> departments = Walk(data, "departments").ids;
  const std::set<long long> jobs = Walk(data, "jobs").ids;
  return Walk(data, "hired_employees", &departments, &jobs);
}

}  // namespace

DataSet GeneratedData() { return {"generated", MIGRATION_FIXTURE_DIR}; }

std::optional<DataSet> RealSample() {
  if (const char* dir = std::getenv("MIGRATION_TEST_DATA"); dir != nullptr && *dir != '\0') {
    if (!HoldsTheFiles(dir)) {
      throw std::runtime_error(std::string("MIGRATION_TEST_DATA=") + dir +
                               " lacks departments.csv, jobs.csv or hired_employees.csv");
    }
    return DataSet{"real sample", dir};
  }
  const std::string beside = std::string(MIGRATION_SOURCE_DIR) + "/../shared/data/challenge";
  if (!HoldsTheFiles(beside)) return std::nullopt;
  return DataSet{"real sample", beside};
}

ExpectedLoad ExpectCatalog(const DataSet& data, const std::string& table) { return Walk(data, table).expected; }

ExpectedLoad ExpectHires(const DataSet& data) { return WalkHires(data).expected; }

std::vector<Hire> ValidHires(const DataSet& data) {
  std::vector<Hire> hires;
  for (const auto& f : WalkHires(data).valid_rows) {
    const Instant at = *ParseDatetime(f[2]);
    const int quarter = (at.utc_month - 1) / 3 + 1;
    const bool moved = at.local_year != at.utc_year || (at.local_month - 1) / 3 + 1 != quarter;
    hires.push_back({*IdValue(f[0]), f[1], f[2], at.utc_year, quarter, *IdValue(f[3]), *IdValue(f[4]), moved});
  }
  return hires;
}

std::map<long long, std::string> CatalogNames(const DataSet& data, const std::string& table) {
  std::map<long long, std::string> names;
  for (const auto& fields : Walk(data, table).valid_rows) names.emplace(*IdValue(fields[0]), fields[1]);
  return names;
}

}  // namespace migration::testing
