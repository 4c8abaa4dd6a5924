#pragma once
// An import job as the API renders it (GET /v1/imports/{id} and every route that answers with one).

#include <nlohmann/json.hpp>

#include "db/import_records.hpp"
#include "storage/object_store.hpp"

namespace migration::api {

// The job, its totals and per step: the object, the load, bytes read of total, rows, and while it
// runs rows/s and the seconds left at that rate.
nlohmann::json ImportJson(const db::ImportRecord& import, const storage::ObjectStore& store);

}  // namespace migration::api
