#pragma once
// POST /v1/loads/{id}/rejects/retry: a load's rejects, checked again against the database as it is
// now (a hire rejected because its department was not loaded yet), loaded as a new load that names
// the first (LoadRecord::retry_of). Those valid now are written; the rest are rejects of the new
// load with their current reasons. The first load and its rejects stay as they were: history.
//
// Each reject is read back from what it kept: its raw record (the CSV line, or the JSON object of a
// batch) goes through the same reader as before and keeps its first position (line or index), so
// a person can match the two loads' rejects. A record the first load kept only in part (longer
// than kMaxRawBytes) cannot be checked again and stays rejected, saying so.

#include <cstdint>
#include <optional>

#include "db/database.hpp"
#include "ingest/load.hpp"

namespace migration::ingest {

struct RetryOptions {
  bool dry_run = false;
  std::optional<db::IdempotencyRecord> idempotency;  // committed with the new load
  std::string trace_id;
};

// Throws core::Error(kUnprocessable) when `original` has no rejects to retry (or did not commit).
LoadResult RetryRejects(db::Database& db, const db::LoadRecord& original, const RetryOptions& retry);

}  // namespace migration::ingest
