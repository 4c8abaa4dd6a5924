#include "db/referential_check.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace migration::db {
namespace {

struct Reference {
  core::Table parent;
  std::string_view column;  // in hired_employees
  std::string_view noun;
};

constexpr Reference kReferences[] = {{core::Table::kDepartments, "department_id", "department"},
                                     {core::Table::kJobs, "job_id", "job"}};

constexpr int kExamples = 5;

}  // namespace

void CheckReferences(core::Table restored,
                     const std::function<std::vector<OrphanHire>(const std::string& sql)>& query) {
  for (const Reference& reference : kReferences) {
    if (restored != reference.parent && restored != core::Table::kHiredEmployees) continue;
    const std::string sql = fmt::format(
        "SELECT h.id, h.{0} FROM hired_employees h WHERE NOT EXISTS (SELECT 1 FROM {1} p WHERE p.id = h.{0}) "
        "ORDER BY h.id LIMIT {2}",
        reference.column, core::TableName(reference.parent), kExamples);
    const std::vector<OrphanHire> orphans = query(sql);
    if (orphans.empty()) continue;
    std::string examples;
    for (const OrphanHire& orphan : orphans) {
      examples += fmt::format("{}hire {} references {} {}", examples.empty() ? "" : ", ", orphan.hire_id,
                              reference.noun, orphan.missing_id);
    }
    throw core::Error(
        core::ErrorCode::kConflict,
        restored == core::Table::kHiredEmployees
            ? fmt::format("the backup's hires reference {}s that do not exist ({}{}); restore {} first, nothing was "
                          "changed",
                          reference.noun, examples, orphans.size() == kExamples ? ", …" : "",
                          core::TableName(reference.parent))
            : fmt::format("restoring {} would leave hires without their {} ({}{}); nothing was changed",
                          core::TableName(restored), reference.noun, examples,
                          orphans.size() == kExamples ? ", …" : ""));
  }
}

}  // namespace migration::db
