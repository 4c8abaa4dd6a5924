// `migration-api serve`: open the database, apply migrations, serve HTTP until SIGTERM.

#include <unistd.h>

#include "api/routes.hpp"
#include "app/commands.hpp"
#include "db/database.hpp"
#include "http/server.hpp"
#include "observability/log.hpp"

namespace migration::app {

int RunServe(const Config& config) {
  using observability::LogInfo;
  using observability::LogWarn;

  db::DatabaseOptions db_options;
  db_options.pool_size = config.db_pool_size;
  auto database = db::OpenDatabase(config.database_url, db_options);
  LogInfo("database_opened", {{"backend", database->BackendName()}, {"url", RedactUrl(config.database_url)}});
  if (config.migrate_on_start) {
    const int applied = database->Migrate();
    LogInfo("schema_migrated", {{"applied", applied}});
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  if (const int interrupted = database->FailInterruptedLoads(host); interrupted > 0) {
    LogWarn("interrupted_loads_marked_failed", {{"count", interrupted}});
  }

  http::ServerState state;
  api::ApiContext context{*database, state};
  context.max_upload_bytes = config.max_upload_bytes == 0 ? UINT64_MAX : config.max_upload_bytes;
  const http::Router router = api::BuildRouter(context);

  http::ServerOptions options;
  options.address = config.bind_address;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  http::Server server(options, router, state);
  LogInfo("service_started", {{"port", state.bound_port.load()},
                              {"environment", config.environment},
                              {"database", database->BackendName()},
                              {"storage_url", config.storage_url}});
  server.Run();
  return 0;
}

int RunMigrate(const Config& config) {
  auto database = db::OpenDatabase(config.database_url, {});
  const int applied = database->Migrate();
  observability::LogInfo("schema_migrated", {{"applied", applied}, {"backend", database->BackendName()}});
  return 0;
}

}  // namespace migration::app
