#pragma once
// JSON shapes of the API's resources (DESIGN §5), in one place so every route agrees.

#include <nlohmann/json.hpp>
#include <string>

#include "core/row.hpp"
#include "core/table.hpp"
#include "db/records.hpp"
#include "ingest/load.hpp"

namespace migration::api {

nlohmann::json RowJson(core::Table table, const core::Row& row);
// One backup as GET /v1/backups lists it and POST /v1/{table}/backups answers.
nlohmann::json BackupJson(const db::BackupRecord& backup);
nlohmann::json LoadJson(const db::LoadRecord& load);
nlohmann::json RejectJson(const db::StoredReject& stored);
// The response of a load: LoadJson + duration_ms, the first rejects and where to read them all.
nlohmann::json LoadResultJson(const ingest::LoadResult& result);
std::string Dump(const nlohmann::json& value);  // invalid UTF-8 in raw records becomes U+FFFD

}  // namespace migration::api
