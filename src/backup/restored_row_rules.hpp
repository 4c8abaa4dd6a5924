#pragma once
// The data rules (DESIGN §3) for rows read back from a backup: a backup is input like any other,
// and a hand-made or foreign Avro file could hold rows the service would never have accepted.

#include <cstdint>

#include "core/row.hpp"
#include "core/table.hpp"

namespace migration::backup {

// Throws core::Error(kUnprocessable) naming the row (0-based position in the file, and its id),
// the field and the rule when `row` breaks one.
void CheckRestoredRow(core::Table table, const core::Row& row, uint64_t position);

}  // namespace migration::backup
