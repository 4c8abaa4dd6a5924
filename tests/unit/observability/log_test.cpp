#include "observability/log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

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
