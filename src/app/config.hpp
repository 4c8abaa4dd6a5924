#pragma once
// Configuration: defaults, then environment variables, then command-line flags (DESIGN §7).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace migration::app {

struct Config {
  uint16_t port = 8000;
  std::string bind_address = "0.0.0.0";
  std::string database_url = "sqlite://var/migration.db";
  std::string storage_url = "file://var/objects";
  std::string environment = "development";
  std::string log_level = "info";
  std::string log_format = "json";
  uint64_t max_upload_bytes = 0;  // 0: no limit (uploads are streamed)
  int shutdown_grace_seconds = 25;
  int io_threads = 2;
  int worker_threads = 8;
  int db_pool_size = 8;
  bool migrate_on_start = true;
  bool metrics_emf = false;  // also write CloudWatch Embedded Metric Format lines to stdout
  // Access (api/access): keys as name:sha256hex[:read] pairs; CORS allow-list; requests/s per caller.
  std::string api_keys;
  std::string api_keys_file;
  // OAuth2 bearer JWTs (api/access/jwt_verifier): off unless jwt_key_file is set.
  std::string jwt_key_file;
  std::string jwt_algorithm = "RS256";
  std::string jwt_issuer;
  std::string jwt_audience;
  std::string cors_allowed_origins;
  double rate_limit_rps = 0;  // 0: no limit
  int max_connections = 1024;
  int header_timeout_seconds = 30;
};

// Reads the environment into `config` (PORT, DATABASE_URL, ...). Throws core::Error(kBadRequest)
// naming the variable when a value is malformed.
void LoadEnvironment(Config& config);

// Registers the flags shared by every command (each overrides its environment variable).
void AddCommonFlags(CLI::App& command, Config& config);
void AddServerFlags(CLI::App& command, Config& config);

// Applies LOG_LEVEL / LOG_FORMAT; validates them.
void ConfigureLogging(const Config& config);

// DATABASE_URL with any password replaced by "***", for logs.
std::string RedactUrl(const std::string& url);

}  // namespace migration::app
