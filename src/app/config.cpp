#include "app/config.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <regex>

#include "core/error.hpp"
#include "observability/log.hpp"

namespace migration::app {
namespace {

using core::Error;
using core::ErrorCode;

const char* Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

template <typename T>
void EnvNumber(const char* name, T& out, T min, T max) {
  const char* value = Env(name);
  if (value == nullptr) return;
  const std::string_view text(value);
  T parsed{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || parsed < min || parsed > max) {
    throw Error(ErrorCode::kBadRequest, fmt::format("{} must be an integer from {} to {}, got \"{}\"", name, min, max, text));
  }
  out = parsed;
}

void EnvString(const char* name, std::string& out) {
  if (const char* value = Env(name)) out = value;
}

}  // namespace

void LoadEnvironment(Config& config) {
  EnvNumber<uint16_t>("PORT", config.port, 0, 65535);
  EnvString("BIND_ADDRESS", config.bind_address);
  EnvString("DATABASE_URL", config.database_url);
  EnvString("STORAGE_URL", config.storage_url);
  EnvString("ENVIRONMENT", config.environment);
  EnvString("LOG_LEVEL", config.log_level);
  EnvString("LOG_FORMAT", config.log_format);
  EnvNumber<uint64_t>("MAX_UPLOAD_BYTES", config.max_upload_bytes, 0, UINT64_MAX);
  EnvNumber<int>("SHUTDOWN_GRACE_SECONDS", config.shutdown_grace_seconds, 0, 3600);
  EnvNumber<int>("IO_THREADS", config.io_threads, 1, 64);
  EnvNumber<int>("WORKER_THREADS", config.worker_threads, 1, 256);
  EnvNumber<int>("DB_POOL_SIZE", config.db_pool_size, 1, 256);
}

void AddCommonFlags(CLI::App& command, Config& config) {
  command.add_option("--database-url", config.database_url, "sqlite://PATH or postgresql://… [env DATABASE_URL]")
      ->capture_default_str();
  command.add_option("--log-level", config.log_level, "debug|info|warn|error [env LOG_LEVEL]")->capture_default_str();
  command.add_option("--log-format", config.log_format, "json|text [env LOG_FORMAT]")->capture_default_str();
}

void AddServerFlags(CLI::App& command, Config& config) {
  command.add_option("--port", config.port, "TCP port to listen on [env PORT]")->capture_default_str();
  command.add_option("--bind", config.bind_address, "address to listen on [env BIND_ADDRESS]")->capture_default_str();
  command.add_option("--storage-url", config.storage_url, "file://PATH or s3://bucket/prefix [env STORAGE_URL]")
      ->capture_default_str();
  command.add_option("--environment", config.environment, "development|staging|production [env ENVIRONMENT]")
      ->capture_default_str();
  command.add_option("--max-upload-bytes", config.max_upload_bytes,
                     "largest accepted upload in bytes, 0 = no limit [env MAX_UPLOAD_BYTES]")
      ->capture_default_str();
  command.add_option("--shutdown-grace-seconds", config.shutdown_grace_seconds,
                     "how long in-flight requests may take after SIGTERM [env SHUTDOWN_GRACE_SECONDS]")
      ->capture_default_str();
  command.add_option("--io-threads", config.io_threads, "network threads [env IO_THREADS]")->capture_default_str();
  command.add_option("--worker-threads", config.worker_threads, "threads for database work [env WORKER_THREADS]")
      ->capture_default_str();
  command.add_option("--db-pool-size", config.db_pool_size, "database connections [env DB_POOL_SIZE]")
      ->capture_default_str();
  command.add_flag("!--no-migrate", config.migrate_on_start, "do not apply schema migrations on start");
}

void ConfigureLogging(const Config& config) {
  observability::LogLevel level{};
  observability::LogFormat format{};
  if (!observability::ParseLogLevel(config.log_level, level)) {
    throw Error(ErrorCode::kBadRequest, fmt::format("LOG_LEVEL must be debug, info, warn or error, got \"{}\"", config.log_level));
  }
  if (!observability::ParseLogFormat(config.log_format, format)) {
    throw Error(ErrorCode::kBadRequest, fmt::format("LOG_FORMAT must be json or text, got \"{}\"", config.log_format));
  }
  observability::ConfigureLogging(format, level);
}

std::string RedactUrl(const std::string& url) {
  // user:password@ in the authority, and libpq's ?password= / &password= query parameter.
  static const std::regex kPassword(R"(^([a-z]+://[^:/@]*):[^@]*@)");
  static const std::regex kPasswordParam(R"(([?&]password=)[^&]*)");
  return std::regex_replace(std::regex_replace(url, kPassword, "$1:***@"), kPasswordParam, "$1***");
}

}  // namespace migration::app
