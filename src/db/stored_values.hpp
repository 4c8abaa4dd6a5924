#pragma once
// Values read back from the database that only this service writes. One that does not parse means
// the database was changed behind the service's back (or a bug wrote it): an internal "corrupt
// row" error naming the column, never a default that would quietly report the wrong table or
// move a hire to 1970.

#include <cstdint>
#include <string_view>

#include "core/table.hpp"
#include "db/import_records.hpp"
#include "db/records.hpp"

namespace migration::db {

// A table name stored in `column` (loads.table_name, backups.table_name).
core::Table StoredTable(std::string_view text, std::string_view column);

// A load's status as stored in loads.status.
LoadStatus StoredLoadStatus(std::string_view text);

// An import job's status as stored in imports.status.
ImportStatus StoredImportStatus(std::string_view text);

// A load's on_conflict mode as stored in loads.on_conflict.
OnConflict StoredOnConflict(std::string_view text);

// A reject's locator as stored in rejects.locator.
RejectLocator StoredRejectLocator(std::string_view text);

// An RFC 3339 instant stored in `column` (SQLite keeps hired_employees.datetime as text).
int64_t StoredInstant(std::string_view text, std::string_view column);

}  // namespace migration::db
