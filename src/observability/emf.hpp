#pragma once
// CloudWatch Embedded Metric Format: with METRICS_EMF=1 the service also writes metric lines to
// stdout, which the ECS `awslogs` driver ships to CloudWatch Logs, which turns them into
// metrics. No agent, no API calls, no credentials.
//
// The names, units and dimension sets are a contract with the deployment:
// infrastructure/monitoring/emf-metrics.json lists them (namespace "MigrationApi", dimension sets
// [Environment] and [Environment, Table]); the dashboard and alarms read them, and
// scripts/check-deploy/emf-check.py fails on any line naming something else. Adding a metric
// here means adding it there (and to the dashboard) too.
//
// Lines go to stdout (logs go to stderr), one write() each, so they never interleave.

#include <nlohmann/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace migration::observability {

inline constexpr std::string_view kEmfNamespace = "MigrationApi";

// The metrics of the contract, by name.
namespace emf {
inline constexpr std::string_view kRowsInserted = "rows_inserted";       // Count
inline constexpr std::string_view kRowsRejected = "rows_rejected";       // Count
inline constexpr std::string_view kLoadDurationMs = "load_duration_ms";  // Milliseconds
inline constexpr std::string_view kLoadsFailed = "loads_failed";         // Count
inline constexpr std::string_view kS3Errors = "s3_errors";               // Count
}  // namespace emf

struct EmfMetric {
  std::string_view name;
  std::string_view unit;  // "Count", "Milliseconds", …
  double value;
};

// Turns EMF output on or off (default off); `environment` is the Environment dimension's value.
void ConfigureEmf(bool enabled, std::string environment);
bool EmfEnabled();

// One EMF document: dimension sets [Environment], plus [Environment, Table] when `table` is set;
// `properties` (an object) adds searchable fields that are not dimensions (load_id, …).
std::string FormatEmfLine(std::string_view environment, std::optional<std::string_view> table,
                          std::initializer_list<EmfMetric> metrics, const nlohmann::json& properties,
                          int64_t timestamp_ms);

// Writes one line to stdout when EMF is on; does nothing otherwise.
void WriteEmf(std::optional<std::string_view> table, std::initializer_list<EmfMetric> metrics,
              const nlohmann::json& properties = nlohmann::json::object());

}  // namespace migration::observability
