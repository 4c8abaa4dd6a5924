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

// Responses stay under 1 MiB whatever the rejects hold (each keeps ≤ 4 KiB of raw text, which JSON
// escaping can grow 6×, and ≤ 11 errors): a list of rejects stops before it passes these budgets.
inline constexpr size_t kRejectsPageBudget = 768u << 10;   // GET /v1/loads/{id}/rejects
inline constexpr size_t kFirstRejectsBudget = 256u << 10;  // the rejects embedded in a load's response
struct BoundedRejects {
  nlohmann::json items = nlohmann::json::array();
  size_t count = 0;  // how many of the given rejects `items` holds (a prefix, at least one)
};
BoundedRejects RejectsJson(const std::vector<db::StoredReject>& rejects, size_t budget_bytes);
// The response of a load: LoadJson + duration_ms, the first rejects and where to read them all.
nlohmann::json LoadResultJson(const ingest::LoadResult& result);
std::string Dump(const nlohmann::json& value);  // invalid UTF-8 in raw records becomes U+FFFD

}  // namespace migration::api
