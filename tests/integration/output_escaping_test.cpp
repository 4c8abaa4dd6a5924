// Issue 11, item 12: what clients wrote is data wherever we print it. Report CSV downloads
// neutralise cells a spreadsheet would run as formulas (OWASP, CSV injection), text-format logs
// escape control bytes, and the CLI's table output escapes control bytes in names.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/api_fixture.hpp"
#include "support/command.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using nlohmann::json;

// The names a spreadsheet would evaluate, one department each (a leading tab and CR included).
const std::vector<std::string> kFormulaNames = {
    R"(=HYPERLINK("http://evil.example","click"))", "+SUM(1,2)", "-2+3", "@cmd", "\tTabbed", "\rReturned"};

// RFC 4180 records of a whole CSV document (quoted fields with commas, quotes and line breaks).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      field += c;
    }
  }
  return records;
}

bool StartsLikeAFormula(const std::string& cell) {
  return !cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos;
}

bool HasTerminalControls(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte < 0x20 && byte != '\n') || byte == 0x7f) return true;
    if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return true;
    }
  }
  return false;
}

class OutputEscapingTest : public ApiTest {
 protected:
  // Departments 1..6 named like formulas with two hires each in 2021, six more without hires, so
  // the mean (1) puts all six formula departments above it; job 1 is a formula too.
  void SeedFormulaNames() {
    json departments = json::array();
    for (size_t i = 0; i < kFormulaNames.size(); ++i)
      departments.push_back({{"id", i + 1}, {"department", kFormulaNames[i]}});
    for (size_t i = 0; i < kFormulaNames.size(); ++i) {
      departments.push_back({{"id", 100 + i}, {"department", "Quiet " + std::to_string(i)}});
    }
    ASSERT_EQ(PostJson("departments", departments.dump()).status, 201);
    ASSERT_EQ(PostJson("jobs", json::array({{{"id", 1}, {"job", "=1+1"}}}).dump()).status, 201);
    json hires = json::array();
    for (size_t i = 0; i < 2 * kFormulaNames.size(); ++i) {
      hires.push_back({{"id", i + 1},
                       {"name", "-Hire"},
                       {"datetime", "2021-03-01T00:00:00Z"},
                       {"department_id", i / 2 + 1},
                       {"job_id", 1}});
    }
    const HttpResponse response = PostJson("hired_employees", hires.dump());
    ASSERT_EQ(response.status, 201) << response.body;
  }
};

TEST_P(OutputEscapingTest, ReportCsvDownloadsNeutraliseFormulaCellsAndKeepTheNames) {
  SeedFormulaNames();
  const HttpResponse quarters = Get(Url("/v1/reports/hires-by-quarter?year=2021&format=csv"));
  ASSERT_EQ(quarters.status, 200) << quarters.body;
  const auto by_quarter = ParseCsv(quarters.body);
  ASSERT_EQ(by_quarter.size(), kFormulaNames.size() + 1) << quarters.body;
  std::vector<std::string> departments;
  for (size_t r = 1; r < by_quarter.size(); ++r) {
    const auto& row = by_quarter[r];
    ASSERT_EQ(row.size(), 6U) << quarters.body;
    for (const auto& cell : row) EXPECT_FALSE(StartsLikeAFormula(cell)) << "cell \"" << cell << "\"";
    EXPECT_EQ(row[1], "'=1+1");
    EXPECT_EQ(row[2], "2");  // the counts stay numbers
    departments.push_back(row[0]);
  }
  // Each name is there whole, behind the one quote that makes it text.
  for (const auto& name : kFormulaNames) {
    EXPECT_NE(std::find(departments.begin(), departments.end(), "'" + name), departments.end()) << name;
  }

  const HttpResponse above = Get(Url("/v1/reports/departments-above-mean?year=2021&format=csv"));
  ASSERT_EQ(above.status, 200) << above.body;
  const auto above_rows = ParseCsv(above.body);
  ASSERT_EQ(above_rows.size(), kFormulaNames.size() + 1) << above.body;
  for (size_t r = 1; r < above_rows.size(); ++r) {
    for (const auto& cell : above_rows[r]) EXPECT_FALSE(StartsLikeAFormula(cell)) << "cell \"" << cell << "\"";
    EXPECT_EQ(above_rows[r][0], std::to_string(r));  // id, a number
    EXPECT_EQ(above_rows[r][1], "'" + kFormulaNames[r - 1]);
    EXPECT_EQ(above_rows[r][2], "2");
  }
  // JSON is data for programs, not spreadsheets: the names exactly as stored.
  const json report = Get(Url("/v1/reports/departments-above-mean?year=2021")).Json();
  EXPECT_EQ(report["rows"][0]["department"], kFormulaNames[0]);
}

TEST_P(OutputEscapingTest, TheCliTableEscapesControlBytesInNames) {
  const std::string evil_department = "Evil\x1b]0;pwned\x07\x1b[2J";
  const std::string evil_job =
      "Job\xc2\x9b"
      "31m\x7f";
  // A second department without hires puts the first above the mean (0.5).
  const json departments =
      json::array({{{"id", 1}, {"department", evil_department}}, {{"id", 2}, {"department", "Q"}}});
  ASSERT_EQ(PostJson("departments", departments.dump()).status, 201);
  ASSERT_EQ(PostJson("jobs", json::array({{{"id", 1}, {"job", evil_job}}}).dump()).status, 201);
  const json hire = {
      {"id", 1}, {"name", "A"}, {"datetime", "2021-05-01T00:00:00Z"}, {"department_id", 1}, {"job_id", 1}};
  ASSERT_EQ(PostJson("hired_employees", json::array({hire}).dump()).status, 201);

  for (const std::string report : {"hires-by-quarter", "departments-above-mean"}) {
    const CommandResult result =
        RunMigrationApi({"report", report, "--year", "2021", "--format", "table", "--database-url", database_->url()});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_FALSE(HasTerminalControls(result.output)) << result.output;
    EXPECT_NE(result.output.find(R"(Evil\x1b]0;pwned\x07\x1b[2J)"), std::string::npos) << result.output;
    if (report == "hires-by-quarter") {
      EXPECT_NE(result.output.find(R"(Job\u009b31m\x7f)"), std::string::npos) << result.output;
    }
  }
}

MIGRATION_ON_BOTH_BACKENDS(OutputEscapingTest);

// `migration-api serve --log-format text`, its stderr in a file (ServerProcess always asks for JSON).
class TextLogServer {
 public:
  explicit TextLogServer(const std::string& database_url) : port_(FreeLoopbackPort()) {
    char log_template[] = "/tmp/migration-text-log-XXXXXX";
    const int fd = ::mkstemp(log_template);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    log_path_ = log_template;
    char objects_template[] = "/tmp/migration-text-log-objects-XXXXXX";
    if (::mkdtemp(objects_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    objects_dir_ = objects_template;
    std::vector<std::string> args = {MIGRATION_BINARY, "serve",
                                     "--bind",         "127.0.0.1",
                                     "--port",         std::to_string(port_),
                                     "--database-url", database_url,
                                     "--storage-url",  "file://" + objects_dir_,
                                     "--log-format",   "text"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fd);
    const bool healthy = WaitUntil(
        [&] {
          try {
            return Get(Url("/healthz")).status == 200;
          } catch (const std::exception&) {
            return false;  // not listening yet
          }
        },
        std::chrono::seconds(15), std::chrono::milliseconds(50));
    if (!healthy) throw std::runtime_error("the server did not start:\n" + Log());
  }
  ~TextLogServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    ::unlink(log_path_.c_str());
    std::filesystem::remove_all(objects_dir_);
  }
  TextLogServer(const TextLogServer&) = delete;
  TextLogServer& operator=(const TextLogServer&) = delete;

  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // The access line is written after the response is sent: wait for it (up to 5 s).
  std::string LogOnce(const std::string& needle) const {
    std::string log;
    WaitUntil(
        [&] {
          log = Log();
          return log.find(needle) != std::string::npos;
        },
        std::chrono::seconds(5));
    return log;
  }
  std::string Log() const {
    std::ifstream in(log_path_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  int port_;
  pid_t pid_ = -1;
  std::string log_path_;
  std::string objects_dir_;
};

TEST(TextLogTest, ControlBytesAClientSentAreEscapedInTextLogs) {
  const TestDatabase database(Backend::kSqlite);
  const TextLogServer server(database.url());
  // The path is logged as decoded: ESC, BEL, DEL and U+009B (CSI) straight from the client.
  EXPECT_EQ(Get(server.Url("/v1/%1b%5b2J%07%7f%c2%9bx")).status, 404);
  EXPECT_EQ(Get(server.Url("/v1/departments")).status, 200);  // a request after it, logged the same way
  const std::string log = server.LogOnce(" path=/v1/departments ");
  EXPECT_FALSE(HasTerminalControls(log)) << log;
  EXPECT_NE(log.find(R"(\u001b[2J\u0007\u007f\u009bx)"), std::string::npos) << log;
  // Still the text format: plain values bare.
  EXPECT_NE(log.find(" path=/v1/departments "), std::string::npos) << log;
}

}  // namespace
}  // namespace migration::testing
