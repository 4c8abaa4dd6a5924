#include "api/json_render.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/time.hpp"

namespace migration::api {

nlohmann::json RowJson(core::Table table, const core::Row& row) {
  const auto columns = core::SchemaOf(table).columns;
  nlohmann::json out = {{"id", row.id}, {std::string(columns[1].name), row.text}};
  if (table == core::Table::kHiredEmployees) {
    out["datetime"] = core::FormatRfc3339(row.datetime_us);
    out["department_id"] = row.department_id;
    out["job_id"] = row.job_id;
  }
  return out;
}

nlohmann::json LoadJson(const db::LoadRecord& load) {
  nlohmann::json out = {
      {"load_id", load.id},
      {"table", core::TableName(load.table)},
      {"source", load.source},
      {"on_conflict", db::OnConflictName(load.on_conflict)},
      {"status", db::LoadStatusName(load.status)},
      {"started_at", core::FormatRfc3339(load.started_us)},
      {"finished_at", load.finished_us ? nlohmann::json(core::FormatRfc3339(*load.finished_us)) : nlohmann::json()},
      {"rows_received", load.counts.received},
      {"rows_inserted", load.counts.inserted},
      {"rows_updated", load.counts.updated},
      {"rows_rejected", load.counts.rejected},
      {"rows_skipped", load.counts.skipped},
      {"error", load.error.empty() ? nlohmann::json() : nlohmann::json(load.error)},
      {"rejects_url", fmt::format("/v1/loads/{}/rejects", load.id)},
      {"archive", load.archive.empty() ? nlohmann::json() : nlohmann::json(load.archive)},
      {"retry_of", load.retry_of ? nlohmann::json(*load.retry_of) : nlohmann::json()},
      {"trace_id", load.trace_id.empty() ? nlohmann::json() : nlohmann::json(load.trace_id)},
  };
  // What the same load would have been had it written its rows.
  if (load.status == db::LoadStatus::kDryRun) out["outcome"] = db::LoadStatusName(db::OutcomeOf(load.counts));
  return out;
}

nlohmann::json BackupJson(const db::BackupRecord& backup) {
  return {
      {"backup_id", backup.id},
      {"table", core::TableName(backup.table)},
      {"rows", backup.rows},
      {"bytes", backup.bytes},
      {"checksum", "sha256:" + backup.sha256},
      {"location", backup.location},
      {"created_at", core::FormatRfc3339(backup.created_us)},
  };
}

nlohmann::json RejectJson(const db::StoredReject& stored) {
  const auto& r = stored.reject;
  nlohmann::json out = nlohmann::json::object();
  out[std::string(db::RejectLocatorName(r.locator))] = r.position;
  out["raw"] = r.raw;
  if (r.raw_truncated()) {
    out["raw_truncated"] = true;  // `raw` is the record's first bytes; raw_length its full size
    out["raw_length"] = r.raw_length;
  }
  out["errors"] = nlohmann::json::parse(r.errors_json, nullptr, false);
  return out;
}

BoundedRejects RejectsJson(const std::vector<db::StoredReject>& rejects, size_t budget_bytes) {
  BoundedRejects out;
  size_t bytes = 0;
  for (const auto& reject : rejects) {
    nlohmann::json item = RejectJson(reject);
    bytes += Dump(item).size() + 1;
    if (out.count > 0 && bytes > budget_bytes) break;
    out.items.push_back(std::move(item));
    ++out.count;
  }
  return out;
}

nlohmann::json LoadResultJson(const ingest::LoadResult& result) {
  nlohmann::json out = LoadJson(result.record);
  // From the stored timestamps, so the first response and a replay of it say the same.
  const auto& record = result.record;
  out["duration_ms"] = record.finished_us ? (*record.finished_us - record.started_us + 500) / 1000
                                          : static_cast<int64_t>(std::llround(result.duration_ms));
  out["rejects"] = RejectsJson(result.first_rejects, kFirstRejectsBudget).items;
  return out;
}

std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace migration::api
