#include "observability/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace migration::observability {
namespace {

TEST(MetricsRenderTest, CounterHasHelpTypeAndOneLinePerLabelSetInLabelOrder) {
  Registry registry;
  auto& requests = registry.AddCounter("app_requests_total", "Requests served.", {"route", "status"});
  requests.With({"POST /v1/{table}", "201"}).Inc();
  requests.With({"GET /", "200"}).Inc();
  requests.With({"GET /", "200"}).Inc(2);
  EXPECT_EQ(registry.Render(),
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"GET /\",status=\"200\"} 3\n"
            "app_requests_total{route=\"POST /v1/{table}\",status=\"201\"} 1\n");
}

TEST(MetricsRenderTest, AFamilyWithoutLabelsShowsZeroBeforeAnythingHappens) {
  Registry registry;
  registry.AddCounter("app_events_total", "Events.");
  auto& in_flight = registry.AddGauge("app_in_flight", "Requests being handled.");
  EXPECT_EQ(registry.Render(),
            "# HELP app_events_total Events.\n"
            "# TYPE app_events_total counter\n"
            "app_events_total 0\n"
            "# HELP app_in_flight Requests being handled.\n"
            "# TYPE app_in_flight gauge\n"
            "app_in_flight 0\n");
  in_flight.With({}).Set(-2.5);
  EXPECT_NE(registry.Render().find("\napp_in_flight -2.5\n"), std::string::npos) << registry.Render();
}

TEST(MetricsRenderTest, AFamilyWithLabelsButNoChildrenHasOnlyItsHeader) {
  Registry registry;
  registry.AddCounter("app_rejects_total", "Rejects.", {"table", "code"});
  EXPECT_EQ(registry.Render(),
            "# HELP app_rejects_total Rejects.\n"
            "# TYPE app_rejects_total counter\n");
}

TEST(MetricsRenderTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  Registry registry;
  auto& family = registry.AddGauge("app_weird", "Odd labels.", {"value"});
  family.With({"a\\b\"c\nd"}).Set(1);
  family.With({"plain {x} =,; é"}).Set(2);
  EXPECT_EQ(registry.Render(),
            "# HELP app_weird Odd labels.\n"
            "# TYPE app_weird gauge\n"
            "app_weird{value=\"a\\\\b\\\"c\\nd\"} 1\n"
            "app_weird{value=\"plain {x} =,; é\"} 2\n");
}

TEST(MetricsRenderTest, HelpEscapesBackslashAndNewlineButNotQuotes) {
  Registry registry;
  registry.AddCounter("app_x_total", "Line one\nline \"two\" with C:\\path");
  EXPECT_EQ(registry.Render(),
            "# HELP app_x_total Line one\\nline \"two\" with C:\\\\path\n"
            "# TYPE app_x_total counter\n"
            "app_x_total 0\n");
}

TEST(MetricsRenderTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  auto& latency = registry.AddHistogram("app_latency_seconds", "Latency.", {}, {0.25, 0.5, 1});
  auto& child = latency.With({});
  for (double value : {0.125, 0.25, 0.75, 4.0}) child.Observe(value);  // 0.25 is on a bound: le counts it
  EXPECT_EQ(registry.Render(),
            "# HELP app_latency_seconds Latency.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{le=\"0.25\"} 2\n"
            "app_latency_seconds_bucket{le=\"0.5\"} 2\n"
            "app_latency_seconds_bucket{le=\"1\"} 3\n"
            "app_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "app_latency_seconds_sum 5.125\n"
            "app_latency_seconds_count 4\n");
}

TEST(MetricsRenderTest, HistogramLabelsComeBeforeLe) {
  Registry registry;
  auto& latency = registry.AddHistogram("app_latency_seconds", "Latency.", {"route"}, {0.005, 10});
  latency.With({"GET /"}).Observe(0.001);
  latency.With({"GET /"}).Observe(20);
  EXPECT_EQ(registry.Render(),
            "# HELP app_latency_seconds Latency.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{route=\"GET /\",le=\"0.005\"} 1\n"
            "app_latency_seconds_bucket{route=\"GET /\",le=\"10\"} 1\n"
            "app_latency_seconds_bucket{route=\"GET /\",le=\"+Inf\"} 2\n"
            "app_latency_seconds_sum{route=\"GET /\"} 20.001\n"
            "app_latency_seconds_count{route=\"GET /\"} 2\n");
}

TEST(MetricsRenderTest, FamiliesRenderInRegistrationOrder) {
  Registry registry;
  registry.AddGauge("zzz_first", "First.");
  registry.AddGauge("aaa_second", "Second.");
  const std::string text = registry.Render();
  EXPECT_LT(text.find("zzz_first"), text.find("aaa_second")) << text;
}

TEST(MetricsRenderTest, ValuesUseTheShortestExactTextAndPrometheusSpecials) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(3), "3");
  EXPECT_EQ(FormatMetricValue(1234567), "1234567");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(1e20), "1e+20");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(MetricsRegistryTest, RejectsBadNamesDuplicatesWrongArityAndBadBuckets) {
  Registry registry;
  EXPECT_THROW(registry.AddCounter("9starts_with_digit", "x"), std::invalid_argument);
  EXPECT_THROW(registry.AddCounter("has-dash", "x"), std::invalid_argument);
  EXPECT_THROW(registry.AddCounter("app_ok_total", "x", {"bad-label"}), std::invalid_argument);
  EXPECT_THROW(registry.AddCounter("app_ok_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("app_h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("app_h", "x", {}, {}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("app_h", "x", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("app_h", "x", {}, {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  auto& family = registry.AddCounter("app_ok_total", "x", {"a", "b"});
  EXPECT_THROW(registry.AddGauge("app_ok_total", "again"), std::invalid_argument);
  EXPECT_THROW(family.With({"only one"}), std::invalid_argument);
  EXPECT_NO_THROW(registry.AddCounter("ns:app_colon_total", "colons are allowed in metric names"));
}

TEST(MetricsRegistryTest, WithReturnsTheSameChildForTheSameLabels) {
  Registry registry;
  auto& family = registry.AddCounter("app_c_total", "x", {"a"});
  Counter& first = family.With({"v"});
  Counter& again = family.With({"v"});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &family.With({"w"}));
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  auto& counter = registry.AddCounter("app_c_total", "x", {"thread_group"});
  auto& histogram = registry.AddHistogram("app_h_seconds", "x", {}, {0.5});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.With({t % 2 == 0 ? "even" : "odd"}).Inc();
        histogram.With({}).Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.With({"even"}).Value() + counter.With({"odd"}).Value(), kThreads * kPerThread);
  const Histogram::Snapshot snapshot = histogram.With({}).Read();
  EXPECT_EQ(snapshot.count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(snapshot.cumulative.front(), static_cast<uint64_t>(kThreads * kPerThread / 2));
  EXPECT_DOUBLE_EQ(snapshot.sum, kThreads * kPerThread * 1.25 / 2);
}

}  // namespace
}  // namespace migration::observability
