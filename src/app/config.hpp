#pragma once
// Configuration: defaults, then environment variables, then command-line flags. The server's and
// the database's defaults have one home each (http::ServerOptions, db::DatabaseOptions); Config
// starts from them.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "db/database.hpp"
#include "http/server.hpp"
#include "storage/object_store.hpp"

namespace migration::app {

inline const http::ServerOptions kServerDefaults{};
inline const db::DatabaseOptions kDatabaseDefaults{};

struct Config {
  uint16_t port = kServerDefaults.port;
  std::string bind_address = kServerDefaults.address;
  std::string database_url = "sqlite://var/migration.db";
  // PostgreSQL's user and password from this Secrets Manager secret ({"username","password"}),
  // re-read when the server refuses them (a rotation); empty: libpq's own (PGUSER, PGPASSWORD).
  std::string database_secret_arn;
  // Optional, with database_secret_arn: the master user's secret, used only to create or repair
  // the service's role when its own login is refused even after a fresh read.
  std::string database_admin_secret_arn;
  std::string storage_url = "file://var/objects";
  // Object storage (storage/): S3-compatible endpoint (path-style), region, server-side encryption.
  std::string s3_endpoint_url;
  std::string aws_region = "us-east-1";
  std::string s3_sse;  // "", "AES256" or "aws:kms"
  std::string s3_sse_kms_key_id;
  int s3_part_size_mib = 16;
  std::string environment = "development";
  std::string log_level = "info";
  std::string log_format = "json";
  uint64_t max_upload_bytes = 0;  // 0: no limit (uploads are streamed)
  int shutdown_grace_seconds = static_cast<int>(kServerDefaults.shutdown_grace.count());
  int io_threads = kServerDefaults.io_threads;
  int worker_threads = kServerDefaults.worker_threads;
  int db_pool_size = kDatabaseDefaults.pool_size;
  // PostgreSQL: bound on how late other replicas' loads show in reports
  int report_refresh_ms = kDatabaseDefaults.postgres.version_refresh_ms;
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
  // Failed authentications (unknown key, invalid token) per client address per window before that
  // address's keys and tokens get 429 unchecked; 0: no limit.
  int auth_failure_limit = 30;
  // Proxies in front that append to X-Forwarded-For (1 behind an ALB or an ingress); 0: the TCP
  // peer is the client. Set only when the port is reachable through those proxies alone.
  int forwarded_hops = 0;
  int auth_failure_window_seconds = 60;
  // An Idempotency-Key is honoured (and kept) this long after its load.
  int idempotency_key_ttl_hours = 24;
  int max_connections = kServerDefaults.max_connections;
  int max_in_flight_loads = 0;  // 0: the database pool's size
  // Import jobs this replica runs at once (0: none here; other replicas take them).
  int max_import_jobs = 2;
  // How long a claimed import job stays this replica's without a renewal; another replica takes
  // over a job whose lease expired (its replica died).
  int import_lease_seconds = 30;
  // How long a presigned upload URL (POST /v1/{table}/upload-urls) works.
  int upload_url_ttl_seconds = 3600;
  // An SQS queue of the bucket's "Object Created" events (EventBridge), empty: none. A pending
  // direct upload's import starts when its object's event arrives, without POST .../start.
  std::string upload_events_queue_url;
  int header_timeout_seconds = static_cast<int>(kServerDefaults.header_timeout.count());
  // A request body (and a streamed response, read by the client) may fall at most
  // upload_rate_window_seconds behind this rate (0: no minimum).
  uint64_t min_upload_bytes_per_second = kServerDefaults.body_pacing.min_bytes_per_second;
  int upload_rate_window_seconds = static_cast<int>(kServerDefaults.body_pacing.rate_window.count());
  // How long the server waits for a request body's next bytes, or for a client to take the next
  // piece of a response, before it closes the connection.
  int body_idle_timeout_seconds = static_cast<int>(kServerDefaults.body_pacing.idle_timeout.count());
  // Private temporary files (backup/restore Avro files, upload spools). Empty: $TMPDIR, else /tmp.
  std::string scratch_dir;
};

// Reads the environment into `config` (PORT, DATABASE_URL, ...). Throws core::Error(kBadRequest)
// naming the variable when a value is malformed.
void LoadEnvironment(Config& config);

// Registers the flags shared by every command (each overrides its environment variable).
void AddCommonFlags(CLI::App& command, Config& config);
void AddServerFlags(CLI::App& command, Config& config);  // includes the storage flags
// --storage-url and the S3 settings (serve, backup, restore, load from s3://).
void AddStorageFlags(CLI::App& command, Config& config);

// ENVIRONMENT as the service uses it: development, staging or production, whatever the case it was
// written in. Anything else throws core::Error(kBadRequest) naming the three: a misspelt "prod"
// must not quietly run as development, with no keys required.
std::string CanonicalEnvironment(std::string_view value);

// Applies LOG_LEVEL / LOG_FORMAT; validates them.
void ConfigureLogging(const Config& config);

// STORAGE_URL opened with the S3 settings (throws core::Error(kBadRequest) for a bad URL).
std::unique_ptr<storage::ObjectStore> OpenStore(const Config& config);

// DATABASE_URL with any password replaced by "***", for logs.
std::string RedactUrl(const std::string& url);

}  // namespace migration::app
