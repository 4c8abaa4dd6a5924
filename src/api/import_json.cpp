#include "api/import_json.hpp"

#include <cmath>

#include "core/time.hpp"

namespace migration::api {
namespace {

// rows/s and the time left from a step's progress so far (null before there is any).
void AddRates(nlohmann::json& out, const db::ImportStep& step, int64_t now_us) {
  out["rows_per_second"] = nullptr;
  out["eta_seconds"] = nullptr;
  if (step.status != "running" || !step.started_us || step.bytes_read == 0) return;
  const double seconds = static_cast<double>(now_us - *step.started_us) / 1e6;
  if (seconds <= 0) return;
  out["rows_per_second"] = std::llround(static_cast<double>(step.counts.received) / seconds);
  const double bytes_per_second = static_cast<double>(step.bytes_read) / seconds;
  const uint64_t left = step.bytes_total > step.bytes_read ? step.bytes_total - step.bytes_read : 0;
  out["eta_seconds"] = std::llround(static_cast<double>(left) / bytes_per_second);
}

nlohmann::json InstantJson(const std::optional<int64_t>& us) {
  return us ? nlohmann::json(core::FormatRfc3339(*us)) : nlohmann::json();
}

}  // namespace

nlohmann::json ImportJson(const db::ImportRecord& import, const storage::ObjectStore& store) {
  const int64_t now = core::NowMicros();
  nlohmann::json steps = nlohmann::json::array();
  uint64_t bytes_total = 0;
  uint64_t bytes_read = 0;
  db::LoadCounts totals;
  for (const auto& step : import.steps) {
    nlohmann::json out = {
        {"table", core::TableName(step.table)},
        {"source", store.Location(step.key)},
        {"status", step.status},
        {"load_id", step.load_id ? nlohmann::json(*step.load_id) : nlohmann::json()},
        {"bytes_total", step.bytes_total},
        {"bytes_read", step.bytes_read},
        {"rows_received", step.counts.received},
        {"rows_inserted", step.counts.inserted},
        {"rows_updated", step.counts.updated},
        {"rows_rejected", step.counts.rejected},
        {"rows_skipped", step.counts.skipped},
        {"started_at", InstantJson(step.started_us)},
        {"finished_at", InstantJson(step.finished_us)},
        {"attempts", step.attempts},
    };
    AddRates(out, step, now);
    steps.push_back(std::move(out));
    bytes_total += step.bytes_total;
    bytes_read += step.bytes_read;
    totals.received += step.counts.received;
    totals.inserted += step.counts.inserted;
    totals.updated += step.counts.updated;
    totals.rejected += step.counts.rejected;
    totals.skipped += step.counts.skipped;
  }
  return {
      {"import_id", import.id},
      {"source", import.source},
      {"status", db::ImportStatusName(import.status)},
      {"header", import.header},
      {"on_conflict", db::OnConflictName(import.on_conflict)},
      {"dry_run", import.dry_run},
      {"created_at", core::FormatRfc3339(import.created_us)},
      {"started_at", InstantJson(import.started_us)},
      {"finished_at", InstantJson(import.finished_us)},
      {"error", import.error.empty() ? nlohmann::json() : nlohmann::json(import.error)},
      {"cancel_requested", import.cancel_requested},
      {"attempts", import.attempts},
      {"host", import.host.empty() ? nlohmann::json() : nlohmann::json(import.host)},
      {"trace_id", import.trace_id.empty() ? nlohmann::json() : nlohmann::json(import.trace_id)},
      {"bytes_total", bytes_total},
      {"bytes_read", bytes_read},
      {"rows_received", totals.received},
      {"rows_inserted", totals.inserted},
      {"rows_updated", totals.updated},
      {"rows_rejected", totals.rejected},
      {"rows_skipped", totals.skipped},
      {"steps", std::move(steps)},
  };
}

}  // namespace migration::api
