#pragma once
// What an import loads: the request's `source` turned into steps, one object per table, in
// foreign-key order (departments, jobs, hired_employees).
//
// A source names an object or a folder of the configured store, by the store's own address
// (STORAGE_URL: "s3://bucket/prefix/…" or "file:///abs/dir/…"): the service reads only where it
// is configured (and, on AWS, granted) to read. A folder (ending in "/") holds departments.csv,
// jobs.csv and/or hired_employees.csv directly under it; an object's table is `table`, else its
// file name (hired_employees.csv).

#include <optional>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "db/import_records.hpp"
#include "storage/object_store.hpp"

namespace migration::imports {

// Throws core::Error(kBadRequest) for a source outside the store, a missing object, a folder with
// none of the three files, or an object whose table cannot be told (its message says which).
std::vector<db::ImportStep> PlanImport(storage::ObjectStore& store, const std::string& source,
                                       std::optional<core::Table> table);

// The store's key for a source under its root, or nullopt when the source is elsewhere.
std::optional<std::string> KeyInStore(const storage::ObjectStore& store, const std::string& source);

}  // namespace migration::imports
