#pragma once
// What every resource's handlers may use: the database, object storage and the server's shared state.

#include <chrono>
#include <memory>
#include <string>

#include "api/load_slots.hpp"
#include "db/database.hpp"
#include "http/server.hpp"
#include "storage/object_store.hpp"

namespace migration::imports {
class ImportRunner;
}

namespace migration::api {

struct ApiContext {
  db::Database& db;
  http::ServerState& server_state;
  uint64_t max_upload_bytes = UINT64_MAX;  // 0 or max: any size (streamed)
  // Uploads are archived here and backups written here; null: no archive, backups refused (503).
  storage::ObjectStore* store = nullptr;
  // Loads running at once (MAX_IN_FLIGHT_LOADS); null: no cap.
  std::shared_ptr<LoadSlots> load_slots;
  // How long an Idempotency-Key is kept and honoured (IDEMPOTENCY_KEY_TTL_HOURS).
  std::chrono::seconds idempotency_ttl = std::chrono::hours(24);
  // Upload spools (private, unlinked at once) go here: SCRATCH_DIR; empty: $TMPDIR, else /tmp.
  std::string scratch_dir;
  // Runs import jobs on this replica (MAX_IMPORT_JOBS); null: jobs wait for another replica.
  imports::ImportRunner* import_runner = nullptr;
  // Presigned upload URLs (POST /v1/{table}/upload-urls): how long they work (UPLOAD_URL_TTL_SECONDS)
  // and the multipart part size (S3_PART_SIZE_MIB).
  std::chrono::seconds upload_url_ttl = std::chrono::hours(1);
  uint64_t part_size = 16ULL << 20;
};

}  // namespace migration::api
