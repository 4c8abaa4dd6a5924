#pragma once
// Structured logging: one line per event, JSON by default (for CloudWatch and jq), or
// human-readable text (LOG_FORMAT=text) for terminals. Thread-safe; writes to stderr so stdout
// stays free for command output (and, later, metric lines).

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace migration::observability {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

void ConfigureLogging(LogFormat format, LogLevel level);
bool ParseLogLevel(std::string_view text, LogLevel& out);
bool ParseLogFormat(std::string_view text, LogFormat& out);

// What every line logged by this thread carries while it lives: the request (or job) it works
// for, so its lines can be found together (CloudWatch Logs Insights: filter trace_id = "...").
// Fields the line sets itself win.
class LogContext {
 public:
  LogContext(std::string request_id, std::string trace_id);
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;

  const std::string& request_id() const { return request_id_; }
  const std::string& trace_id() const { return trace_id_; }

 private:
  const LogContext* outer_;  // restored when this one ends (contexts nest)
  std::string request_id_;
  std::string trace_id_;
};

// Writes {"time", "level", "event", ...fields} (+ request_id and trace_id of the thread's
// LogContext). `fields` must be a JSON object.
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
