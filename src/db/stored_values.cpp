#include "db/stored_values.hpp"

#include <string>

#include "core/error.hpp"
#include "core/time.hpp"

namespace migration::db {
namespace {

[[noreturn]] void Corrupt(std::string_view column, std::string_view text, std::string_view expected) {
  // The value is cut: a corrupt row can hold anything, and the message goes to a log line.
  throw core::Error(core::ErrorCode::kInternal, "corrupt row: " + std::string(column) + " holds \"" +
                                                    std::string(text.substr(0, 64)) + "\", not " +
                                                    std::string(expected));
}

}  // namespace

core::Table StoredTable(std::string_view text, std::string_view column) {
  if (const auto table = core::TableFromName(text)) return *table;
  Corrupt(column, text, "a table name");
}

LoadStatus StoredLoadStatus(std::string_view text) {
  if (const auto status = LoadStatusFromName(text)) return *status;
  Corrupt("loads.status", text, "a load status");
}

ImportStatus StoredImportStatus(std::string_view text) {
  if (const auto status = ImportStatusFromName(text)) return *status;
  Corrupt("imports.status", text, "an import status");
}

OnConflict StoredOnConflict(std::string_view text) {
  if (const auto mode = OnConflictFromName(text)) return *mode;
  Corrupt("loads.on_conflict", text, "reject, update or skip");
}

RejectLocator StoredRejectLocator(std::string_view text) {
  if (const auto locator = RejectLocatorFromName(text)) return *locator;
  Corrupt("rejects.locator", text, "line or index");
}

int64_t StoredInstant(std::string_view text, std::string_view column) {
  if (const auto instant = core::ParseRfc3339(text)) return *instant;
  Corrupt(column, text, "an RFC 3339 timestamp");
}

}  // namespace migration::db
