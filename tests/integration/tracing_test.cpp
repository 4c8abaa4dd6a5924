// Traces over real HTTP on both backends: a request's W3C traceparent (or the ALB's
// X-Amzn-Trace-Id) is the trace of its load and of every log line it causes, and goes back in the
// response with this server's span; without either, the server starts one and says which.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

class TracingTest : public ApiTest {
 protected:
  HttpResponse Upload(const std::string& header) {
    std::vector<std::string> headers = {"Content-Type: text/csv"};
    if (!header.empty()) headers.push_back(header);
    return Request("POST", Url("/v1/departments/upload"), "1,Sales\nx,Bad\n", headers);
  }

  // The server's log lines that carry `trace_id`, by event.
  std::vector<std::string> EventsOf(const std::string& trace_id) {
    std::vector<std::string> events;
    std::istringstream in(server_->Log());
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.front() != '{') continue;
      const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_object() && record.value("trace_id", "") == trace_id) events.push_back(record.value("event", ""));
    }
    return events;
  }

  static bool Has(const std::vector<std::string>& events, const std::string& event) {
    return std::find(events.begin(), events.end(), event) != events.end();
  }
};

TEST_P(TracingTest, ATraceparentFollowsTheRequestIntoItsLoadItsLogLinesAndBack) {
  const HttpResponse response = Upload(std::string("traceparent: 00-") + kTrace + "-00f067aa0ba902b7-01");
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string back = response.Header("traceparent");
  ASSERT_EQ(back.size(), 55U) << back;
  EXPECT_EQ(back.substr(0, 36), std::string("00-") + kTrace + "-");
  EXPECT_NE(back.substr(36, 16), "00f067aa0ba902b7") << "the server's own span";
  EXPECT_EQ(back.substr(52), "-01");
  EXPECT_EQ(response.Json()["trace_id"], kTrace);
  EXPECT_EQ(Get(Url("/v1/loads/" + response.Json()["load_id"].dump())).Json()["trace_id"], kTrace);
  // The access line is written after the response: wait for it.
  ASSERT_TRUE(WaitUntil([&] { return Has(EventsOf(kTrace), "request"); }, std::chrono::seconds(10))) << server_->Log();
  const auto events = EventsOf(kTrace);
  EXPECT_TRUE(Has(events, "row_rejected")) << server_->Log();
  EXPECT_TRUE(Has(events, "load_finished")) << server_->Log();
}

TEST_P(TracingTest, AnAlbTraceIdIsUsedWhenThereIsNoTraceparent) {
  const HttpResponse response =
      Upload("X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json()["trace_id"], "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(response.Header("x-amzn-trace-id").rfind("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=", 0), 0U)
      << response.Header("x-amzn-trace-id");
}

TEST_P(TracingTest, WithoutATraceTheServerStartsOneAndSaysWhich) {
  const HttpResponse response = Upload("traceparent: not-a-trace");
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string trace_id = response.Json()["trace_id"].get<std::string>();
  ASSERT_EQ(trace_id.size(), 32U);
  EXPECT_EQ(response.Header("traceparent").substr(3, 32), trace_id);
  EXPECT_EQ(Get(Url("/healthz")).Header("traceparent").size(), 55U) << "every response carries one";
  ASSERT_TRUE(WaitUntil([&] { return Has(EventsOf(trace_id), "load_finished"); }, std::chrono::seconds(10)))
      << server_->Log();
}

MIGRATION_ON_BOTH_BACKENDS(TracingTest);

}  // namespace
}  // namespace migration::testing
