#include "db/record_readers.hpp"

#include <fmt/format.h>

namespace migration::db {

std::string InstantAsStored(std::string_view column) { return std::string(column); }

std::string LoadColumns(InstantColumn instant) {
  return fmt::format(
      "id, table_name, source, on_conflict, status, {}, {}, rows_received, rows_inserted, rows_updated, "
      "rows_rejected, rows_skipped, error, host, archive, retry_of, trace_id",
      instant("started_at"), instant("finished_at"));
}

std::string BackupColumns(InstantColumn instant) {
  return "id, table_name, rows, bytes, sha256, object_key, location, " + instant("created_at");
}

std::string RowColumns(core::Table table, InstantColumn instant) {
  std::string out;
  for (const auto& column : core::SchemaOf(table).columns) {
    if (!out.empty()) out += ", ";
    out += column.kind == core::ColumnKind::kDatetime ? instant(column.name) : std::string(column.name);
  }
  return out;
}

}  // namespace migration::db
