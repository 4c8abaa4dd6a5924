#include "app/config.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <regex>

#include "core/error.hpp"
#include "core/text.hpp"
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
    throw Error(ErrorCode::kBadRequest,
                fmt::format("{} must be an integer from {} to {}, got \"{}\"", name, min, max, text));
  }
  out = parsed;
}

void EnvString(const char* name, std::string& out) {
  if (const char* value = Env(name)) out = value;
}

void EnvBool(const char* name, bool& out) {
  const char* value = Env(name);
  if (value == nullptr) return;
  const std::string_view text(value);
  if (text == "1" || text == "true" || text == "yes" || text == "on") {
    out = true;
  } else if (text == "0" || text == "false" || text == "no" || text == "off") {
    out = false;
  } else {
    throw Error(ErrorCode::kBadRequest, fmt::format("{} must be 1 or 0 (true or false), got \"{}\"", name, text));
  }
}

}  // namespace

void LoadEnvironment(Config& config) {
  EnvNumber<uint16_t>("PORT", config.port, 0, 65535);
  EnvString("BIND_ADDRESS", config.bind_address);
  EnvString("DATABASE_URL", config.database_url);
  EnvString("DATABASE_SECRET_ARN", config.database_secret_arn);
  EnvString("DATABASE_ADMIN_SECRET_ARN", config.database_admin_secret_arn);
  EnvString("STORAGE_URL", config.storage_url);
  EnvString("S3_ENDPOINT_URL", config.s3_endpoint_url);
  EnvString("AWS_REGION", config.aws_region);
  EnvString("S3_SSE", config.s3_sse);
  EnvString("S3_SSE_KMS_KEY_ID", config.s3_sse_kms_key_id);
  EnvNumber<int>("S3_PART_SIZE_MIB", config.s3_part_size_mib, 8, 64);
  EnvString("ENVIRONMENT", config.environment);
  EnvString("LOG_LEVEL", config.log_level);
  EnvString("LOG_FORMAT", config.log_format);
  EnvNumber<uint64_t>("MAX_UPLOAD_BYTES", config.max_upload_bytes, 0, UINT64_MAX);
  EnvNumber<int>("SHUTDOWN_GRACE_SECONDS", config.shutdown_grace_seconds, 0, 3600);
  EnvNumber<int>("IO_THREADS", config.io_threads, 1, 64);
  EnvNumber<int>("WORKER_THREADS", config.worker_threads, 1, 256);
  EnvNumber<int>("DB_POOL_SIZE", config.db_pool_size, 1, 256);
  EnvNumber<int>("REPORT_REFRESH_MS", config.report_refresh_ms, 0, 60000);
  EnvBool("METRICS_EMF", config.metrics_emf);
  EnvString("API_KEYS", config.api_keys);
  EnvString("API_KEYS_FILE", config.api_keys_file);
  EnvString("JWT_KEY_FILE", config.jwt_key_file);
  EnvString("JWT_ALGORITHM", config.jwt_algorithm);
  EnvString("JWT_ISSUER", config.jwt_issuer);
  EnvString("JWT_AUDIENCE", config.jwt_audience);
  EnvString("CORS_ALLOWED_ORIGINS", config.cors_allowed_origins);
  EnvNumber<int>("MAX_CONNECTIONS", config.max_connections, 1, 1000000);
  EnvNumber<int>("MAX_IN_FLIGHT_LOADS", config.max_in_flight_loads, 0, 10000);
  EnvNumber<int>("MAX_IMPORT_JOBS", config.max_import_jobs, 0, 64);
  EnvNumber<int>("IMPORT_LEASE_SECONDS", config.import_lease_seconds, 2, 3600);
  EnvNumber<int>("UPLOAD_URL_TTL_SECONDS", config.upload_url_ttl_seconds, 60, 604800);
  EnvString("UPLOAD_EVENTS_QUEUE_URL", config.upload_events_queue_url);
  EnvNumber<int>("HEADER_TIMEOUT_SECONDS", config.header_timeout_seconds, 1, 3600);
  EnvString("SCRATCH_DIR", config.scratch_dir);
  EnvNumber<int>("AUTH_FAILURE_LIMIT", config.auth_failure_limit, 0, 1000000);
  EnvNumber<int>("FORWARDED_HOPS", config.forwarded_hops, 0, 5);
  EnvNumber<int>("AUTH_FAILURE_WINDOW_SECONDS", config.auth_failure_window_seconds, 1, 86400);
  EnvNumber<int>("IDEMPOTENCY_KEY_TTL_HOURS", config.idempotency_key_ttl_hours, 1, 8760);
  EnvNumber<uint64_t>("MIN_UPLOAD_BYTES_PER_SECOND", config.min_upload_bytes_per_second, 0, uint64_t{1} << 40);
  EnvNumber<int>("UPLOAD_RATE_WINDOW_SECONDS", config.upload_rate_window_seconds, 1, 86400);
  EnvNumber<int>("BODY_IDLE_TIMEOUT_SECONDS", config.body_idle_timeout_seconds, 1, 3600);
  if (const char* rps = Env("RATE_LIMIT_RPS")) {
    char* end = nullptr;
    const double value = std::strtod(rps, &end);
    if (end == rps || *end != '\0' || value < 0) {
      throw Error(ErrorCode::kBadRequest, fmt::format("RATE_LIMIT_RPS must be a number >= 0, got \"{}\"", rps));
    }
    config.rate_limit_rps = value;
  }
}

void AddCommonFlags(CLI::App& command, Config& config) {
  command.add_option("--database-url", config.database_url, "sqlite://PATH or postgresql://… [env DATABASE_URL]")
      ->capture_default_str();
  command.add_option("--database-secret-arn", config.database_secret_arn,
                     "PostgreSQL user and password from this Secrets Manager secret, re-read after a refused login "
                     "[env DATABASE_SECRET_ARN]");
  command.add_option("--database-admin-secret-arn", config.database_admin_secret_arn,
                     "the master user's secret, only to create or repair the service's own role "
                     "[env DATABASE_ADMIN_SECRET_ARN]");
  command.add_option("--log-level", config.log_level, "debug|info|warn|error [env LOG_LEVEL]")->capture_default_str();
  command.add_option("--log-format", config.log_format, "json|text [env LOG_FORMAT]")->capture_default_str();
}

void AddStorageFlags(CLI::App& command, Config& config) {
  command.add_option("--scratch-dir", config.scratch_dir,
                     "folder for private temporary files (backups, restores, upload spools); empty = $TMPDIR "
                     "or /tmp [env SCRATCH_DIR]");
  command.add_option("--storage-url", config.storage_url, "file://PATH or s3://bucket/prefix [env STORAGE_URL]")
      ->capture_default_str();
  command.add_option("--s3-endpoint-url", config.s3_endpoint_url,
                     "S3-compatible endpoint, path-style (empty: AWS) [env S3_ENDPOINT_URL]");
  command.add_option("--aws-region", config.aws_region, "region of the bucket [env AWS_REGION]")->capture_default_str();
  command.add_option("--s3-sse", config.s3_sse, "server-side encryption: AES256 or aws:kms [env S3_SSE]");
  command.add_option("--s3-sse-kms-key-id", config.s3_sse_kms_key_id, "KMS key for aws:kms [env S3_SSE_KMS_KEY_ID]");
  command
      .add_option("--s3-part-size-mib", config.s3_part_size_mib, "multipart part size, 8..64 [env S3_PART_SIZE_MIB]")
      ->check(CLI::Range(8, 64))
      ->capture_default_str();
}

std::unique_ptr<storage::ObjectStore> OpenStore(const Config& config) {
  if (!config.s3_sse.empty() && config.s3_sse != "AES256" && config.s3_sse != "aws:kms") {
    throw Error(ErrorCode::kBadRequest, fmt::format("S3_SSE must be AES256 or aws:kms, got \"{}\"", config.s3_sse));
  }
  storage::StorageOptions options;
  options.s3_endpoint_url = config.s3_endpoint_url;
  options.aws_region = config.aws_region;
  options.server_side_encryption = config.s3_sse;
  options.sse_kms_key_id = config.s3_sse_kms_key_id;
  options.part_size = static_cast<uint64_t>(config.s3_part_size_mib) << 20;
  return storage::OpenObjectStore(config.storage_url, options);
}

namespace {

// Where and how the server listens, and the bounds it puts on every client.
void AddHttpFlags(CLI::App& command, Config& config) {
  command.add_option("--port", config.port, "TCP port to listen on [env PORT]")
      ->capture_default_str()
      ->group("HTTP server");
  command.add_option("--bind", config.bind_address, "address to listen on [env BIND_ADDRESS]")
      ->capture_default_str()
      ->group("HTTP server");
  command.add_option("--environment", config.environment, "development|staging|production [env ENVIRONMENT]")
      ->capture_default_str()
      ->group("HTTP server");
  command.add_option("--io-threads", config.io_threads, "network threads [env IO_THREADS]")
      ->capture_default_str()
      ->group("HTTP server");
  command.add_option("--worker-threads", config.worker_threads, "threads for database work [env WORKER_THREADS]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--max-connections", config.max_connections,
                  "open connections before new ones get 503 [env MAX_CONNECTIONS]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--header-timeout-seconds", config.header_timeout_seconds,
                  "a request head must arrive within this [env HEADER_TIMEOUT_SECONDS]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--min-upload-bytes-per-second", config.min_upload_bytes_per_second,
                  "a request body (or a streamed response the client reads) falling more than "
                  "--upload-rate-window-seconds behind this rate is cut off, 0 = no minimum "
                  "[env MIN_UPLOAD_BYTES_PER_SECOND]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--upload-rate-window-seconds", config.upload_rate_window_seconds,
                  "how far behind the minimum upload rate a body may fall [env UPLOAD_RATE_WINDOW_SECONDS]")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--body-idle-timeout-seconds", config.body_idle_timeout_seconds,
                  "how long a request body's next bytes, or a client taking a response, may keep the server "
                  "waiting [env BODY_IDLE_TIMEOUT_SECONDS]")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--max-upload-bytes", config.max_upload_bytes,
                  "largest accepted upload in bytes, 0 = no limit [env MAX_UPLOAD_BYTES]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_option("--shutdown-grace-seconds", config.shutdown_grace_seconds,
                  "how long in-flight requests may take after SIGTERM [env SHUTDOWN_GRACE_SECONDS]")
      ->capture_default_str()
      ->group("HTTP server");
  command
      .add_flag("--metrics-emf", config.metrics_emf,
                "also write CloudWatch Embedded Metric Format lines to stdout [env METRICS_EMF=1]")
      ->group("HTTP server");
}

// The database side of serving: connections, concurrent loads, idempotency, reports.
void AddLoadFlags(CLI::App& command, Config& config) {
  command.add_option("--db-pool-size", config.db_pool_size, "database connections [env DB_POOL_SIZE]")
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--max-import-jobs", config.max_import_jobs,
                  "import jobs (POST /v1/imports) this replica runs at once, 0 = none [env MAX_IMPORT_JOBS]")
      ->check(CLI::Range(0, 64))
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--upload-url-ttl-seconds", config.upload_url_ttl_seconds,
                  "how long a presigned upload URL (POST /v1/{table}/upload-urls) works [env UPLOAD_URL_TTL_SECONDS]")
      ->check(CLI::Range(60, 604800))
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--upload-events-queue-url", config.upload_events_queue_url,
                  "SQS queue of the bucket's Object Created events: a direct upload's import starts when its "
                  "object lands, empty = only POST /v1/imports/{id}/start [env UPLOAD_EVENTS_QUEUE_URL]")
      ->group("Loads and database");
  command
      .add_option("--import-lease-seconds", config.import_lease_seconds,
                  "an import job a replica stopped renewing for this long is taken over by another "
                  "[env IMPORT_LEASE_SECONDS]")
      ->check(CLI::Range(2, 3600))
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--max-in-flight-loads", config.max_in_flight_loads,
                  "uploads and batches running at once before new ones get 503, 0 = --db-pool-size "
                  "[env MAX_IN_FLIGHT_LOADS]")
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--idempotency-key-ttl-hours", config.idempotency_key_ttl_hours,
                  "an Idempotency-Key replays its load's response this long, then expires and is purged, "
                  "1..8760 [env IDEMPOTENCY_KEY_TTL_HOURS]")
      ->check(CLI::Range(1, 8760))
      ->capture_default_str()
      ->group("Loads and database");
  command
      .add_option("--report-refresh-ms", config.report_refresh_ms,
                  "PostgreSQL: reports show loads made through other replicas within this many ms (loads "
                  "through this one at once); 0 = check on every request [env REPORT_REFRESH_MS]")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str()
      ->group("Loads and database");
  command.add_flag("!--no-migrate", config.migrate_on_start, "do not apply schema migrations on start")
      ->group("Loads and database");
}

// Who may call the API, and how often.
void AddAccessFlags(CLI::App& command, Config& config) {
  command.add_option("--api-keys", config.api_keys, "name:sha256hex[:read] pairs, comma-separated [env API_KEYS]")
      ->group("Access");
  command
      .add_option("--api-keys-file", config.api_keys_file, "file of name:sha256hex[:read] lines [env API_KEYS_FILE]")
      ->group("Access");
  command
      .add_option("--jwt-key-file", config.jwt_key_file,
                  "accept OAuth2 bearer JWTs verified with this key: PEM public key (RS256) or secret (HS256) "
                  "[env JWT_KEY_FILE]")
      ->group("Access");
  command.add_option("--jwt-algorithm", config.jwt_algorithm, "RS256|HS256 [env JWT_ALGORITHM]")
      ->capture_default_str()
      ->group("Access");
  command.add_option("--jwt-issuer", config.jwt_issuer, "required iss claim of bearer JWTs [env JWT_ISSUER]")
      ->group("Access");
  command.add_option("--jwt-audience", config.jwt_audience, "required aud claim of bearer JWTs [env JWT_AUDIENCE]")
      ->group("Access");
  command
      .add_option("--cors-allowed-origins", config.cors_allowed_origins,
                  "origins browsers may call from, comma-separated, * for any [env CORS_ALLOWED_ORIGINS]")
      ->group("Access");
  command
      .add_option("--rate-limit-rps", config.rate_limit_rps,
                  "requests per second per API key (or client address), 0 = no limit [env RATE_LIMIT_RPS]")
      ->capture_default_str()
      ->group("Access");
  command
      .add_option("--auth-failure-limit", config.auth_failure_limit,
                  "failed authentications per client address per window before its keys and tokens get 429 "
                  "unchecked, 0 = no limit [env AUTH_FAILURE_LIMIT]")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str()
      ->group("Access");
  command
      .add_option("--auth-failure-window-seconds", config.auth_failure_window_seconds,
                  "the window of --auth-failure-limit [env AUTH_FAILURE_WINDOW_SECONDS]")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str()
      ->group("Access");
  command
      .add_option("--forwarded-hops", config.forwarded_hops,
                  "proxies in front that append to X-Forwarded-For (1 behind an ALB or ingress): limits and logs "
                  "use the address they saw; 0 = the TCP peer. Only when clients cannot reach the port directly "
                  "[env FORWARDED_HOPS]")
      ->check(CLI::Range(0, 5))
      ->capture_default_str()
      ->group("Access");
}

}  // namespace

void AddServerFlags(CLI::App& command, Config& config) {
  AddStorageFlags(command, config);
  AddHttpFlags(command, config);
  AddLoadFlags(command, config);
  AddAccessFlags(command, config);
}

std::string CanonicalEnvironment(std::string_view value) {
  std::string lower = core::AsciiLower(value);
  if (lower == "development" || lower == "staging" || lower == "production") return lower;
  throw Error(ErrorCode::kBadRequest,
              fmt::format("ENVIRONMENT must be development, staging or production, got \"{}\"", value.substr(0, 64)));
}

void ConfigureLogging(const Config& config) {
  observability::LogLevel level{};
  observability::LogFormat format{};
  if (!observability::ParseLogLevel(config.log_level, level)) {
    throw Error(ErrorCode::kBadRequest,
                fmt::format("LOG_LEVEL must be debug, info, warn or error, got \"{}\"", config.log_level));
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
