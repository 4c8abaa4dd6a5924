#pragma once
// Prometheus metrics: a registry of counter, gauge and histogram families with labels, rendered
// in the text exposition format 0.0.4 (what GET /metrics serves).
//
//   auto& requests = registry.AddCounter("x_requests_total", "Requests served.", {"route", "status"});
//   requests.With({"GET /", "200"}).Inc();
//
// Cheap enough for every request: a child is found under its family's mutex (a map lookup that
// allocates nothing once the child exists) and updated with relaxed atomics; rendering takes
// the same mutexes briefly. Children are never removed, so a reference returned by With() stays
// valid for the registry's life and hot paths may keep it. Label values must come from small,
// fixed sets (route patterns, tables, error codes), never from request data: every distinct
// combination is a time series forever.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace migration::observability {

class Counter {
 public:
  void Inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  // For a counter mirrored from a source that keeps its own running total (set at scrape time).
  void Set(double total) { value_.store(total, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing, +Inf implied (owned by the family).
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  // Count and +Inf are computed from the same bucket reads, so they always agree.
  Snapshot Read() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  // Appends the family: # HELP, # TYPE, then one line per child (per bucket for histograms),
  // children ordered by their label values.
  void Render(std::string& out) const;

 protected:
  // Label values compared with a lookup key without building a std::vector<std::string>.
  struct LabelsLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  void CheckArity(size_t values) const;
  virtual void RenderChildren(std::string& out) const = 0;
  // `name{labels...,extra}`: the sample name with this child's labels, `extra` appended.
  void AppendSample(std::string& out, std::string_view suffix, const std::vector<std::string>& values,
                    std::string_view extra_label, std::string_view extra_value, double value) const;

  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // The child for these label values (in label-name order), created on first use.
  Metric& With(std::initializer_list<std::string_view> values);
  Metric& With(const std::vector<std::string_view>& values);

 private:
  template <typename Values>
  Metric& Find(const Values& values);
  void RenderChildren(std::string& out) const override;

  std::vector<double> bounds_;  // histograms only
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, LabelsLess> children_;
};

class Registry {
 public:
  // Names must be valid Prometheus names and unique; label names valid and not reserved ("le",
  // "__…"). Throws std::invalid_argument otherwise. A family without labels has its one child
  // from the start, so it renders a 0 before anything happened.
  Family<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // `bounds`: bucket upper bounds, strictly increasing and finite (+Inf is always added).
  Family<Histogram>& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> bounds);

  // Every family in registration order, text format 0.0.4.
  std::string Render() const;

 private:
  template <typename Metric>
  Family<Metric>& Add(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
                      std::vector<double> bounds);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// The process-wide registry the service's metrics live in (observability/service_metrics.hpp).
Registry& DefaultRegistry();

// Text-format helpers, exposed for tests.
std::string FormatMetricValue(double value);           // 1, 0.25, +Inf, -Inf, NaN
std::string EscapeLabelValue(std::string_view value);  // \ " and newline escaped
std::string EscapeHelp(std::string_view help);         // \ and newline escaped

// The Content-Type of the text format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace migration::observability
