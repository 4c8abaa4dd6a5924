// `migration-api backup TABLE` and `migration-api restore TABLE BACKUP_ID`: what POST
// /v1/{table}/backups and POST /v1/{table}/restore do, for operators at a shell (the JSON printed is
// the API's).

#include <cstdio>

#include "api/json_render.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "backup/backups.hpp"
#include "core/error.hpp"

namespace migration::app {
namespace {

core::Table TableNamed(const std::string& name) {
  const auto table = core::TableFromName(name);
  if (!table) throw core::Error(core::ErrorCode::kBadRequest, "unknown table " + name);
  return *table;
}

}  // namespace

int RunBackup(const Config& config, const std::string& table) {
  auto database = db::OpenDatabase(config.database_url, {});
  const auto store = OpenStore(config);
  const db::BackupRecord backup =
      backup::CreateBackup({*database, *store, backup::ScratchDirectory(config.scratch_dir)}, TableNamed(table));
  std::printf("%s\n", api::BackupJson(backup).dump(2).c_str());
  return 0;
}

int RunRestore(const Config& config, const std::string& table, const std::string& backup_id) {
  auto database = db::OpenDatabase(config.database_url, {});
  const auto store = OpenStore(config);
  const backup::RestoreSummary restored = backup::RestoreBackup(
      {*database, *store, backup::ScratchDirectory(config.scratch_dir)}, TableNamed(table), backup_id);
  const nlohmann::json out = {{"table", table},
                              {"backup_id", backup_id},
                              {"rows_restored", restored.rows},
                              {"duration_ms", static_cast<int64_t>(restored.duration_ms)}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace migration::app
