#pragma once
// The foreign-key check of a restore, shared by both backends. hired_employees has no REFERENCES
// constraints (the loader checks ids itself, see DESIGN), so a restore, which can remove parents
// or bring back hires, checks the whole relation once before it commits.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/table.hpp"

namespace migration::db {

struct OrphanHire {
  int32_t hire_id;
  int32_t missing_id;  // the department or job id the hire references and nobody has
};

// Runs `query` with each check that applies after restoring `restored` (the SQL is the same in
// both dialects; each returns up to 5 (hire id, missing id) rows) and throws core::Error(kConflict)
// naming them when any hire would be left without its department or job.
void CheckReferences(core::Table restored, const std::function<std::vector<OrphanHire>(const std::string& sql)>& query);

}  // namespace migration::db
