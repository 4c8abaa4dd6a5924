// The trace of a request: W3C traceparent first, then AWS X-Amzn-Trace-Id, else a new one; what
// is malformed is ignored; this server's span is always new; the headers sent back.

#include "http/trace_context.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace migration::http {
namespace {

constexpr const char* kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr const char* kAmzn = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

bool IsHex(const std::string& text, size_t length) {
  return text.size() == length && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(TraceContextTest, ATraceparentGivesTheTraceAndItsSamplingWithANewSpan) {
  const TraceContext trace = TraceFromHeaders(kParent, kAmzn);
  EXPECT_EQ(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(trace.sampled);
  EXPECT_TRUE(IsHex(trace.span_id, 16));
  EXPECT_NE(trace.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(TraceparentHeader(trace), "00-4bf92f3577b34da6a3ce929d0e0e4736-" + trace.span_id + "-01");
  EXPECT_FALSE(TraceFromHeaders("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", std::nullopt).sampled);
  // A later version may carry more fields after the flags.
  EXPECT_EQ(TraceFromHeaders("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-extra", std::nullopt).trace_id,
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceContextTest, AnAwsTraceIdIsTheSameTraceInW3cForm) {
  const TraceContext trace = TraceFromHeaders(std::nullopt, kAmzn);
  EXPECT_EQ(trace.trace_id, "5759e988bd862e3fe1be46a994272793");
  EXPECT_TRUE(trace.sampled);
  EXPECT_EQ(AmznTraceIdHeader(trace),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + trace.span_id + ";Sampled=1");
  // Fields in another order, spaces after the separators, no sampling decision.
  EXPECT_EQ(TraceFromHeaders(std::nullopt,
                             "Self=1-67891234-12456789abcdef012345678; Root=1-5759e988-bd862e3fe1be46a994272793")
                .trace_id,
            "5759e988bd862e3fe1be46a994272793");
}

TEST(TraceContextTest, MalformedHeadersAreIgnoredAndANewTraceStarts) {
  std::set<std::string> traces;
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // upper case
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero parent
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version ff
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // extra on 00
                          "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"}) {     // separators
    const TraceContext trace = TraceFromHeaders(bad, "Root=1-5759e988-bd862e3fe1be46a99427279;Sampled=1");
    EXPECT_TRUE(IsHex(trace.trace_id, 32)) << bad;
    EXPECT_NE(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
    EXPECT_FALSE(trace.sampled) << bad;
    traces.insert(trace.trace_id);
  }
  EXPECT_EQ(traces.size(), 8U) << "each new trace is its own";
  EXPECT_TRUE(IsHex(TraceFromHeaders(std::nullopt, std::nullopt).trace_id, 32));
  EXPECT_TRUE(IsHex(NewTrace().span_id, 16));
}

}  // namespace
}  // namespace migration::http
