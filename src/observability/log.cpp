#include "observability/log.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "core/time.hpp"

namespace migration::observability {
namespace {

thread_local const LogContext* t_context = nullptr;
std::atomic<LogFormat> g_format{LogFormat::kJson};
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_write_mutex;

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string NowRfc3339() {
  const auto now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  return core::FormatRfc3339(now.count());
}

// A text-format value printed without quotes: printable ASCII a reader can split on spaces.
bool IsBare(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '='; });
}

// Text lines go to terminals: what JSON leaves raw, DEL and the C1 controls U+0080..U+009F (U+009B
// is CSI to many terminals), is escaped as JSON would (\u007f), so a client's data (a raw record,
// a name) cannot move the cursor, retitle the window or hide earlier lines. Invalid UTF-8 was
// already replaced by the JSON dump.
void EscapeTerminalControls(std::string& line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    const bool c1 = byte == 0xc2 && i + 1 < line.size() && static_cast<unsigned char>(line[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(line[i + 1]) <= 0x9f;
    if (byte >= 0x20 && byte != 0x7f && !c1) {
      out += static_cast<char>(byte);
    } else {
      out += fmt::format("\\u{:04x}", c1 ? static_cast<unsigned char>(line[++i]) : byte);
    }
  }
  line = std::move(out);
}

}  // namespace

LogContext::LogContext(std::string request_id, std::string trace_id)
    : outer_(t_context), request_id_(std::move(request_id)), trace_id_(std::move(trace_id)) {
  t_context = this;
}

LogContext::~LogContext() { t_context = outer_; }

void ConfigureLogging(LogFormat format, LogLevel level) {
  g_format = format;
  g_level = level;
}

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LevelName(level) == text) {
      out = level;
      return true;
    }
  }
  if (text == "warning") {
    out = LogLevel::kWarn;
    return true;
  }
  return false;
}

bool ParseLogFormat(std::string_view text, LogFormat& out) {
  if (text == "json") {
    out = LogFormat::kJson;
  } else if (text == "text") {
    out = LogFormat::kText;
  } else {
    return false;
  }
  return true;
}

void Log(LogLevel level, std::string_view event, const nlohmann::json& fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  if (t_context != nullptr && !fields.contains("trace_id")) {
    nlohmann::json with_context = fields;
    if (!t_context->request_id().empty() && !fields.contains("request_id")) {
      with_context["request_id"] = t_context->request_id();
    }
    with_context["trace_id"] = t_context->trace_id();
    const LogContext* const saved = t_context;
    t_context = nullptr;  // the fields are in: the nested call must not add them again
    Log(level, event, with_context);
    t_context = saved;
    return;
  }
  std::string line;
  if (g_format.load(std::memory_order_relaxed) == LogFormat::kJson) {
    nlohmann::json record = {{"time", NowRfc3339()}, {"level", LevelName(level)}, {"event", event}};
    for (const auto& [key, value] : fields.items()) record[key] = value;
    line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:5} {}", NowRfc3339(), LevelName(level), event);
    for (const auto& [key, value] : fields.items()) {
      // Plain strings bare (table=jobs); every other string and JSON value as JSON
      // (route="POST /v1/{table}", errors=[...]), which escapes C0 controls.
      const bool bare = value.is_string() && IsBare(value.get_ref<const std::string&>());
      line += fmt::format(
          " {}={}", key,
          bare ? value.get<std::string>() : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    EscapeTerminalControls(line);
  }
  line.push_back('\n');
  std::lock_guard lock(g_write_mutex);
  // One write() per line keeps lines whole even when several processes share the stream.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace migration::observability
