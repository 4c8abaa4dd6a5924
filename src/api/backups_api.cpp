// Backups of a table to object storage as Avro, and restores from them (DESIGN §5).

#include "api/backups_api.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/json_render.hpp"
#include "api/query_params.hpp"
#include "backup/backups.hpp"
#include "core/error.hpp"
#include "observability/log.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr uint64_t kRestoreBodyLimit = 4096;  // also for POST …/backups, whose body is ignored

backup::BackupTarget Target(ApiContext& context) {
  if (context.store == nullptr) {
    throw Error(ErrorCode::kUnavailable, "object storage is not configured (STORAGE_URL)");
  }
  return backup::BackupTarget{context.db, *context.store, backup::ScratchDirectory(context.scratch_dir)};
}

http::Response CreateBackup(ApiContext& context, const http::Request& request) {
  const core::Table table = TableParam(request);
  const db::BackupRecord backup = backup::CreateBackup(Target(context), table);
  observability::LogInfo("backup_written", {{"backup_id", backup.id},
                                            {"table", core::TableName(table)},
                                            {"rows", backup.rows},
                                            {"bytes", backup.bytes},
                                            {"location", backup.location}});
  http::Response response = http::Response::Json(201, Dump(BackupJson(backup)));
  response.headers.emplace_back("Location", "/v1/backups?table=" + std::string(core::TableName(table)));
  return response;
}

http::Response ListBackups(ApiContext& context, const http::Request& request) {
  std::optional<core::Table> table;
  if (const auto name = request.Query("table")) {
    table = core::TableFromName(*name);
    if (!table) {
      throw Error(ErrorCode::kBadRequest,
                  fmt::format("table must be departments, jobs or hired_employees, got \"{}\"", name->substr(0, 64)));
    }
  }
  const db::Page page = PageParams(request);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& backup : context.db.ListBackups(table, page)) items.push_back(BackupJson(backup));
  return http::Response::Json(200, Dump({{"items", std::move(items)}}));
}

// {"backup_id": "<32 hex digits>"}
std::string BackupIdFromBody(const http::Request& request) {
  if (request.MediaType() != "application/json") {
    throw Error(ErrorCode::kUnsupportedMediaType, R"(send {"backup_id": "..."} as application/json)");
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("backup_id") || !body["backup_id"].is_string()) {
    throw Error(ErrorCode::kBadRequest, R"(the body must be a JSON object with a string "backup_id")");
  }
  return body["backup_id"].get<std::string>();
}

http::Response Restore(ApiContext& context, const http::Request& request) {
  const core::Table table = TableParam(request);
  const std::string backup_id = BackupIdFromBody(request);
  const backup::RestoreSummary restored = backup::RestoreBackup(Target(context), table, backup_id);
  observability::LogInfo("table_restored", {{"backup_id", backup_id},
                                            {"table", core::TableName(table)},
                                            {"rows", restored.rows},
                                            {"duration_ms", restored.duration_ms}});
  return http::Response::Json(200, Dump({{"table", core::TableName(table)},
                                         {"backup_id", backup_id},
                                         {"rows_restored", restored.rows},
                                         {"duration_ms", std::llround(restored.duration_ms)},
                                         {"backup", BackupJson(restored.backup)}}));
}

}  // namespace

void RegisterBackupRoutes(http::Router& router, ApiContext& context) {
  router.Add({"POST", "/v1/{table}/backups", kRestoreBodyLimit,
              [&context](const http::Request& request) { return CreateBackup(context, request); }, nullptr, ""});
  router.Add({"GET",
              "/v1/backups",
              0,
              [&context](const http::Request& request) { return ListBackups(context, request); },
              nullptr,
              "",
              {"table", "limit"}});
  router.Add({"POST", "/v1/{table}/restore", kRestoreBodyLimit,
              [&context](const http::Request& request) { return Restore(context, request); }, nullptr, ""});
}

}  // namespace migration::api
