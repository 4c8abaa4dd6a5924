// `migration-api serve`: open the database, apply migrations, serve HTTP until SIGTERM.

#include <fmt/format.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stop_token>
#include <thread>

#include "api/access/access_guard.hpp"
#include "api/routes.hpp"
#include "app/commands.hpp"
#include "app/database_login.hpp"
#include "core/error.hpp"
#include "core/host_name.hpp"
#include "db/database.hpp"
#include "http/server.hpp"
#include "imports/import_runner.hpp"
#include "imports/upload_event_consumer.hpp"
#include "observability/emf.hpp"
#include "observability/log.hpp"
#include "storage/aws/sqs_client.hpp"
#include "storage/object_store.hpp"

namespace migration::app {

namespace {

std::string ReadWholeFile(const std::string& path, const std::string& variable) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error(core::ErrorCode::kBadRequest, variable + ": cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// API keys from API_KEYS and API_KEYS_FILE, bearer JWTs when JWT_KEY_FILE is set; keys become mandatory on /v1 in
// staging and production (refusing to start without any) and whenever some are configured.
api::access::AccessOptions AccessOptionsFrom(const Config& config) {
  api::access::AccessOptions access;
  access.keys = api::access::ParseApiKeys(config.api_keys, "API_KEYS");
  if (!config.api_keys_file.empty()) {
    for (auto& key : api::access::ParseApiKeys(ReadWholeFile(config.api_keys_file, "API_KEYS_FILE"), "API_KEYS_FILE")) {
      access.keys.push_back(std::move(key));
    }
  }
  if (!config.jwt_key_file.empty()) {
    api::access::JwtOptions jwt;
    const auto algorithm = api::access::ParseJwtAlgorithm(config.jwt_algorithm);
    if (!algorithm) {
      throw core::Error(core::ErrorCode::kBadRequest,
                        "JWT_ALGORITHM must be RS256 or HS256, got \"" + config.jwt_algorithm + "\"");
    }
    jwt.algorithm = *algorithm;
    jwt.key = ReadWholeFile(config.jwt_key_file, "JWT_KEY_FILE");
    jwt.issuer = config.jwt_issuer;
    jwt.audience = config.jwt_audience;
    access.jwt = std::make_shared<const api::access::JwtVerifier>(std::move(jwt));
  }
  const bool deployed = config.environment == "staging" || config.environment == "production";
  if (deployed && access.keys.empty() && !access.jwt) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      "ENVIRONMENT=" + config.environment +
                          " requires API keys or bearer tokens: set API_KEYS or API_KEYS_FILE (name:sha256hex pairs), "
                          "or JWT_KEY_FILE with JWT_ISSUER and JWT_AUDIENCE");
  }
  access.require_keys = deployed || !access.keys.empty() || access.jwt;
  access.rate_limit_rps = config.rate_limit_rps;
  access.auth_failure_limit = config.auth_failure_limit;
  access.forwarded_hops = config.forwarded_hops;
  access.auth_failure_window = std::chrono::seconds(config.auth_failure_window_seconds);
  access.cors_allowed_origins = config.cors_allowed_origins;
  return access;
}

// Deletes expired Idempotency-Keys on start and every 10 minutes, so the table holds about one
// expiry's worth of keys, not every key ever sent. Stops with the server.
std::jthread StartIdempotencyKeyPurger(db::Database& database, std::chrono::seconds ttl) {
  return std::jthread([&database, ttl](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      try {
        if (const int64_t purged = database.PurgeExpiredIdempotencyKeys(ttl.count()); purged > 0) {
          observability::LogInfo("idempotency_keys_purged", {{"count", purged}});
        }
      } catch (const std::exception& e) {
        observability::LogWarn("idempotency_key_purge_failed", {{"error", e.what()}});
      }
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, std::chrono::minutes(10), [] { return false; });
    }
  });
}

}  // namespace

// SIGTERM hands running import jobs back at once (queued again, for another replica), not after
// the in-flight requests' grace period: the task may be killed when that ends. The upload events
// consumer stops taking messages then too.
std::jthread StopImportsOnDrain(const http::ServerState& state, imports::ImportRunner* runner,
                                imports::UploadEventConsumer* events) {
  if (runner == nullptr && events == nullptr) return {};
  return std::jthread([&state, runner, events](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (state.draining.load()) {
        if (events != nullptr) events->RequestStop();
        if (runner != nullptr) runner->Stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

// UPLOAD_EVENTS_QUEUE_URL: direct uploads' imports start from the bucket's events. Null when unset.
std::unique_ptr<imports::UploadEventConsumer> OpenUploadEvents(const Config& config, db::Database& database,
                                                               storage::ObjectStore* store,
                                                               imports::ImportRunner* runner) {
  if (config.upload_events_queue_url.empty()) return nullptr;
  if (store == nullptr || !store->SupportsPresignedUrls()) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      "UPLOAD_EVENTS_QUEUE_URL needs an S3 store (STORAGE_URL=s3://…): its events are the bucket's");
  }
  auto queue = std::make_unique<storage::aws::SqsClient>(config.aws_region, config.upload_events_queue_url);
  return std::make_unique<imports::UploadEventConsumer>(database, *store, std::move(queue), runner);
}

int RunServe(const Config& config_as_given) {
  using observability::LogInfo;
  using observability::LogWarn;
  // Checked before anything opens: ENVIRONMENT decides whether keys are required.
  Config config = config_as_given;
  config.environment = CanonicalEnvironment(config_as_given.environment);

  UseDatabaseSecret(config);
  db::DatabaseOptions db_options;
  db_options.pool_size = config.db_pool_size;
  db_options.postgres.version_refresh_ms = config.report_refresh_ms;
  db_options.postgres.compact_hire_counts = true;
  auto database = db::OpenDatabase(config.database_url, db_options);
  LogInfo("database_opened", {{"backend", database->BackendName()}, {"url", RedactUrl(config.database_url)}});
  if (config.migrate_on_start) {
    const int applied = database->Migrate();
    LogInfo("schema_migrated", {{"applied", applied}});
  }
  // Loads left running by an earlier process of this machine (a crash, a restarted container)
  // never finish: failed now. Another live process's (a CLI load beside the server) are left be.
  int interrupted = 0;
  for (const std::string& holder : database->RunningLoadHosts()) {
    if (core::IsEndedProcessOfThisHost(holder)) interrupted += database->FailInterruptedLoads(holder);
  }
  if (interrupted > 0) LogWarn("interrupted_loads_marked_failed", {{"count", interrupted}});

  api::access::AccessGuard guard(AccessOptionsFrom(config));
  if (config.api_keys.empty() && config.api_keys_file.empty() && config.jwt_key_file.empty()) {
    LogWarn("auth_disabled", {{"environment", config.environment},
                              {"warning",
                               "NO API KEYS CONFIGURED: every /v1 endpoint is open to anyone who can reach "
                               "this port. Set API_KEYS or API_KEYS_FILE before exposing it."}});
  }

  // EMF lines only from the server: the CLI commands keep stdout for their own output.
  observability::ConfigureEmf(config.metrics_emf, config.environment);

  const std::unique_ptr<storage::ObjectStore> store = OpenStore(config);
  http::ServerState state;
  api::ApiContext context{*database, state};
  context.store = store.get();
  // Each load holds a database connection for its whole length: past the pool's size a load
  // would only wait for one (and time out), so that is the default cap.
  context.load_slots = std::make_shared<api::LoadSlots>(config.max_in_flight_loads > 0 ? config.max_in_flight_loads
                                                                                       : config.db_pool_size);
  context.max_upload_bytes = config.max_upload_bytes == 0 ? UINT64_MAX : config.max_upload_bytes;
  context.idempotency_ttl = std::chrono::hours(config.idempotency_key_ttl_hours);
  context.scratch_dir = config.scratch_dir;
  context.upload_url_ttl = std::chrono::seconds(config.upload_url_ttl_seconds);
  context.part_size = static_cast<uint64_t>(config.s3_part_size_mib) << 20;
  // Import jobs need object storage: without it they are refused (503) and none run here.
  std::unique_ptr<imports::ImportRunner> import_runner;
  if (store) {
    imports::ImportRunnerOptions runner_options;
    runner_options.max_jobs = config.max_import_jobs;
    runner_options.lease = std::chrono::seconds(config.import_lease_seconds);
    // The process too: replicas may share a host (and tests run two on one).
    runner_options.host = fmt::format("{}/{}", core::HostName(), ::getpid());
    import_runner = std::make_unique<imports::ImportRunner>(*database, *store, runner_options);
    context.import_runner = import_runner.get();
  }
  const std::unique_ptr<imports::UploadEventConsumer> upload_events =
      OpenUploadEvents(config, *database, store.get(), import_runner.get());
  const http::Router router = api::BuildRouter(context);

  http::ServerOptions options;
  options.address = config.bind_address;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  options.header_timeout = std::chrono::seconds(config.header_timeout_seconds);
  options.max_connections = config.max_connections;
  options.body_pacing.min_bytes_per_second = config.min_upload_bytes_per_second;
  options.body_pacing.rate_window = std::chrono::seconds(config.upload_rate_window_seconds);
  options.body_pacing.idle_timeout = std::chrono::seconds(config.body_idle_timeout_seconds);
  options.guard = &guard;
  http::Server server(options, router, state);
  LogInfo("service_started", {{"port", state.bound_port.load()},
                              {"environment", config.environment},
                              {"database", database->BackendName()},
                              {"storage_url", config.storage_url}});
  // cppcheck-suppress unreadVariable ; a jthread: it runs until this scope ends, then stops and joins
  std::jthread purger = StartIdempotencyKeyPurger(*database, context.idempotency_ttl);
  if (import_runner) import_runner->Start();
  if (upload_events) upload_events->Start();
  // cppcheck-suppress unreadVariable ; a jthread: it runs until this scope ends, then stops and joins
  std::jthread import_handback = StopImportsOnDrain(state, import_runner.get(), upload_events.get());
  server.Run();
  if (upload_events) upload_events->Stop();
  if (import_runner) import_runner->Stop();
  return 0;
}

int RunMigrate(const Config& config) {
  UseDatabaseSecret(config);
  auto database = db::OpenDatabase(config.database_url, {});
  const int applied = database->Migrate();
  observability::LogInfo("schema_migrated", {{"applied", applied}, {"backend", database->BackendName()}});
  return 0;
}

}  // namespace migration::app
