#include "observability/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace migration::observability {
namespace {

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

void CheckNames(const std::string& name, const std::vector<std::string>& label_names, MetricType type) {
  if (!ValidName(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  for (const auto& label : label_names) {
    if (!ValidName(label, false) || label.starts_with("__") || (type == MetricType::kHistogram && label == "le")) {
      throw std::invalid_argument(fmt::format("invalid label name {} on {}", label, name));
    }
  }
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double: "1", "0.25", "1e+20".
  return fmt::format("{}", value);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Histogram

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // Buckets are "less than or equal": the first bound >= value; past the last one is +Inf.
  const auto bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = running;
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

// ---------------------------------------------------------------------------------------------
// Families

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}

void FamilyBase::CheckArity(size_t values) const {
  if (values != label_names_.size()) {
    throw std::invalid_argument(
        fmt::format("metric {} takes {} label values, got {}", name_, label_names_.size(), values));
  }
}

void FamilyBase::Render(std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, EscapeHelp(help_), name_, TypeName(type_));
  RenderChildren(out);
}

void FamilyBase::AppendSample(std::string& out, std::string_view suffix, const std::vector<std::string>& values,
                              std::string_view extra_label, std::string_view extra_value, double value) const {
  out += name_;
  out += suffix;
  if (!values.empty() || !extra_label.empty()) {
    out.push_back('{');
    bool first = true;
    auto label = [&](std::string_view label_name, std::string_view label_value) {
      if (!first) out.push_back(',');
      first = false;
      out += label_name;
      out += "=\"";
      out += EscapeLabelValue(label_value);
      out.push_back('"');
    };
    for (size_t i = 0; i < values.size(); ++i) label(label_names_[i], values[i]);
    if (!extra_label.empty()) label(extra_label, extra_value);
    out.push_back('}');
  }
  out.push_back(' ');
  out += FormatMetricValue(value);
  out.push_back('\n');
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)), bounds_(std::move(bounds)) {
  if (label_names_.empty()) With(std::vector<std::string_view>{});
}

template <typename Metric>
template <typename Values>
Metric& Family<Metric>::Find(const Values& values) {
  CheckArity(values.size());
  std::lock_guard lock(mutex_);
  if (const auto it = children_.find(values); it != children_.end()) return *it->second;
  std::vector<std::string> key(values.begin(), values.end());
  std::unique_ptr<Metric> child;
  if constexpr (std::is_same_v<Metric, Histogram>) {
    child = std::make_unique<Histogram>(bounds_);
  } else {
    child = std::make_unique<Metric>();
  }
  return *children_.emplace(std::move(key), std::move(child)).first->second;
}

template <typename Metric>
Metric& Family<Metric>::With(std::initializer_list<std::string_view> values) {
  return Find(values);
}

template <typename Metric>
Metric& Family<Metric>::With(const std::vector<std::string_view>& values) {
  return Find(values);
}

template <typename Metric>
void Family<Metric>::RenderChildren(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [values, child] : children_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      const Histogram::Snapshot snapshot = child->Read();
      for (size_t i = 0; i < bounds_.size(); ++i) {
        AppendSample(out, "_bucket", values, "le", FormatMetricValue(bounds_[i]),
                     static_cast<double>(snapshot.cumulative[i]));
      }
      AppendSample(out, "_bucket", values, "le", "+Inf", static_cast<double>(snapshot.count));
      AppendSample(out, "_sum", values, "", "", snapshot.sum);
      AppendSample(out, "_count", values, "", "", static_cast<double>(snapshot.count));
    } else {
      AppendSample(out, "", values, "", "", child->Value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---------------------------------------------------------------------------------------------
// Registry

template <typename Metric>
Family<Metric>& Registry::Add(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
                              std::vector<double> bounds) {
  CheckNames(name, label_names, type);
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    if (family->name() == name) throw std::invalid_argument("metric registered twice: " + name);
  }
  auto family = std::make_unique<Family<Metric>>(std::move(name), std::move(help), type, std::move(label_names),
                                                 std::move(bounds));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add<Counter>(std::move(name), std::move(help), MetricType::kCounter, std::move(label_names), {});
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add<Gauge>(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names), {});
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  if (bounds.empty()) throw std::invalid_argument("histogram without buckets: " + name);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw std::invalid_argument("histogram buckets must be finite and strictly increasing: " + name);
    }
  }
  return Add<Histogram>(std::move(name), std::move(help), MetricType::kHistogram, std::move(label_names),
                        std::move(bounds));
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->Render(out);
  return out;
}

Registry& DefaultRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace migration::observability
