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

std::string ImportColumns(InstantColumn instant) {
  return fmt::format(
      "id, source, status, header, on_conflict, CAST(dry_run AS integer), {}, {}, {}, error, trace_id, host, "
      "CAST(cancel_requested AS integer), "
      "attempts, {}",
      instant("created_at"), instant("started_at"), instant("finished_at"), instant("lease_expires_at"));
}

std::string ImportStepColumns(InstantColumn instant) {
  return fmt::format(
      "import_id, position, table_name, object_key, status, load_id, bytes_total, bytes_read, rows_received, "
      "rows_inserted, rows_updated, rows_rejected, rows_skipped, {}, {}, attempts",
      instant("started_at"), instant("finished_at"));
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
