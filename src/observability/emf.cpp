#include "observability/emf.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>

namespace migration::observability {
namespace {

std::atomic<bool> g_enabled{false};
std::mutex g_environment_mutex;
std::string g_environment = "development";

}  // namespace

void ConfigureEmf(bool enabled, std::string environment) {
  {
    std::lock_guard lock(g_environment_mutex);
    g_environment = std::move(environment);
  }
  g_enabled.store(enabled);
}

bool EmfEnabled() { return g_enabled.load(std::memory_order_relaxed); }

std::string FormatEmfLine(std::string_view environment, std::optional<std::string_view> table,
                          std::initializer_list<EmfMetric> metrics, const nlohmann::json& properties,
                          int64_t timestamp_ms) {
  nlohmann::json dimensions = nlohmann::json::array({nlohmann::json::array({"Environment"})});
  if (table) dimensions.push_back(nlohmann::json::array({"Environment", "Table"}));
  nlohmann::json definitions = nlohmann::json::array();
  nlohmann::json document = properties.is_object() ? properties : nlohmann::json::object();
  for (const auto& metric : metrics) {
    definitions.push_back({{"Name", metric.name}, {"Unit", metric.unit}});
    // Counts as integers ("rows_inserted":2, not 2.0): what a person reading the log expects.
    const bool integral = std::trunc(metric.value) == metric.value && std::abs(metric.value) < 9e15;
    document[std::string(metric.name)] =
        integral ? nlohmann::json(static_cast<int64_t>(metric.value)) : nlohmann::json(metric.value);
  }
  document["Environment"] = environment;
  if (table) document["Table"] = *table;
  document["_aws"] = {{"Timestamp", timestamp_ms},
                      {"CloudWatchMetrics", nlohmann::json::array({{{"Namespace", kEmfNamespace},
                                                                    {"Dimensions", std::move(dimensions)},
                                                                    {"Metrics", std::move(definitions)}}})}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteEmf(std::optional<std::string_view> table, std::initializer_list<EmfMetric> metrics,
              const nlohmann::json& properties) {
  if (!EmfEnabled()) return;
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string line;
  {
    std::lock_guard lock(g_environment_mutex);
    line = FormatEmfLine(g_environment, table, metrics, properties, now_ms);
  }
  line.push_back('\n');
  // One write() per line: whole lines even when stdout is a pipe shared with other writers.
  (void)!::write(STDOUT_FILENO, line.data(), line.size());
}

}  // namespace migration::observability
