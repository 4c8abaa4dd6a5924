#pragma once
// Structured logging: one line per event, JSON by default (for CloudWatch and jq), or
// human-readable text (LOG_FORMAT=text) for terminals. Thread-safe; writes to stderr so stdout
// stays free for command output (and, later, metric lines).

#include <nlohmann/json.hpp>
#include <string_view>

namespace migration::observability {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

void ConfigureLogging(LogFormat format, LogLevel level);
bool ParseLogLevel(std::string_view text, LogLevel& out);
bool ParseLogFormat(std::string_view text, LogFormat& out);

// Writes {"time", "level", "event", ...fields}. `fields` must be a JSON object.
void Log(LogLevel level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

inline void LogInfo(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarn(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Log(LogLevel::kWarn, event, fields);
}
inline void LogError(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Log(LogLevel::kError, event, fields);
}

}  // namespace migration::observability
