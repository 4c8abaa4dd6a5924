#include "observability/log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace migration::observability {
namespace {

// Runs `f` with stderr (where log lines go) redirected to a file; returns what was written.
template <typename F>
std::string CaptureStderr(F f) {
  char path[] = "/tmp/migration-log-test-XXXXXX";
  const int fd = ::mkstemp(path);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  f();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  return text.str();
}

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { ConfigureLogging(LogFormat::kJson, LogLevel::kInfo); }
};

TEST_F(LogTest, ALogContextAddsItsRequestAndTraceToEveryLineOfItsThreadWhileItLives) {
  ConfigureLogging(LogFormat::kJson, LogLevel::kInfo);
  const std::string out = CaptureStderr([] {
    LogInfo("before");
    {
      const LogContext outer("req-1", "4bf92f3577b34da6a3ce929d0e0e4736");
      LogInfo("inside", {{"load_id", 7}});
      {
        const LogContext job("", "00f067aa0ba902b700f067aa0ba902b7");
        LogWarn("nested");
      }
      LogInfo("own", {{"trace_id", "mine"}});  // a line's own field wins
      LogInfo("after nested");
    }
    LogInfo("after");
  });
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 6U) << out;
  EXPECT_FALSE(lines[0].contains("trace_id"));
  EXPECT_EQ(lines[1]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(lines[1]["request_id"], "req-1");
  EXPECT_EQ(lines[1]["load_id"], 7);
  EXPECT_EQ(lines[2]["trace_id"], "00f067aa0ba902b700f067aa0ba902b7");
  EXPECT_FALSE(lines[2].contains("request_id"));
  EXPECT_EQ(lines[3]["trace_id"], "mine");
  EXPECT_EQ(lines[4]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(lines[5].contains("trace_id"));
}

TEST_F(LogTest, JsonIsOneObjectPerLineWithTimeLevelEventAndFields) {
  ConfigureLogging(LogFormat::kJson, LogLevel::kInfo);
  const std::string out = CaptureStderr([] {
    LogInfo("request", {{"route", "GET /v1/{table}"}, {"status", 200}, {"key", nullptr}});
  });
  ASSERT_EQ(out.back(), '\n');
  ASSERT_EQ(out.find('\n'), out.size() - 1) << out;
  const nlohmann::json line = nlohmann::json::parse(out);
  EXPECT_TRUE(line["time"].is_string());
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["event"], "request");
  EXPECT_EQ(line["route"], "GET /v1/{table}");
  EXPECT_EQ(line["status"], 200);
  EXPECT_TRUE(line["key"].is_null());
}

TEST_F(LogTest, TextIsOneReadableLineForTerminals) {
  ConfigureLogging(LogFormat::kText, LogLevel::kInfo);
  const std::string out = CaptureStderr([] { LogWarn("load_failed", {{"table", "jobs"}, {"rows_received", 3}}); });
  // Fields come in key order (a JSON object underneath).
  EXPECT_NE(out.find(" warn  load_failed rows_received=3 table=jobs\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('{'), std::string::npos) << out;
}

TEST_F(LogTest, TextQuotesValuesThatHaveSpacesOrAreEmpty) {
  ConfigureLogging(LogFormat::kText, LogLevel::kInfo);
  const std::string out = CaptureStderr([] {
    LogInfo("request", {{"route", "POST /v1/{table}"}, {"key", ""}, {"status", 201}, {"request_id", "abc-1"}});
  });
  EXPECT_NE(out.find(" info  request key=\"\" request_id=abc-1 route=\"POST /v1/{table}\" status=201\n"),
            std::string::npos)
      << out;
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  ConfigureLogging(LogFormat::kJson, LogLevel::kWarn);
  const std::string out = CaptureStderr([] { LogInfo("request"); });
  EXPECT_TRUE(out.empty()) << out;
}

TEST(LogParseTest, FormatsAndLevelsByName) {
  LogFormat format{};
  EXPECT_TRUE(ParseLogFormat("text", format));
  EXPECT_EQ(format, LogFormat::kText);
  EXPECT_TRUE(ParseLogFormat("json", format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", format));
  LogLevel level{};
  EXPECT_TRUE(ParseLogLevel("warning", level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("verbose", level));
}

}  // namespace
}  // namespace migration::observability
