#include "db/referential_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"

namespace migration::db {
namespace {

// Records the checks asked for; answers orphans for the one whose SQL names `orphaned_column`.
struct FakeQuery {
  std::string orphaned_column;
  std::vector<OrphanHire> orphans;
  std::vector<std::string> asked;
  std::vector<OrphanHire> operator()(const std::string& sql) {
    asked.push_back(sql);
    return sql.find("h." + orphaned_column) != std::string::npos ? orphans : std::vector<OrphanHire>{};
  }
};

TEST(ReferentialCheckTest, EachRestoreChecksOnlyTheReferencesItCanBreak) {
  FakeQuery departments{"none", {}, {}};
  CheckReferences(core::Table::kDepartments, std::ref(departments));
  ASSERT_EQ(departments.asked.size(), 1U);
  EXPECT_NE(departments.asked[0].find("FROM departments p"), std::string::npos);

  FakeQuery hires{"none", {}, {}};
  CheckReferences(core::Table::kHiredEmployees, std::ref(hires));
  EXPECT_EQ(hires.asked.size(), 2U);  // both parents

  FakeQuery jobs{"none", {}, {}};
  CheckReferences(core::Table::kJobs, std::ref(jobs));
  ASSERT_EQ(jobs.asked.size(), 1U);
  EXPECT_NE(jobs.asked[0].find("FROM jobs p"), std::string::npos);
}

TEST(ReferentialCheckTest, OrphansAreAConflictNamingExamples) {
  FakeQuery query{"job_id", {{10, 99}, {11, 98}}, {}};
  try {
    CheckReferences(core::Table::kJobs, std::ref(query));
    FAIL() << "orphans were accepted";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kConflict);
    EXPECT_NE(std::string(e.what()).find("hire 10 references job 99, hire 11 references job 98"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was changed"), std::string::npos);
  }
}

TEST(ReferentialCheckTest, FiveExamplesMeanThereMayBeMore) {
  FakeQuery query{"department_id", {{1, 9}, {2, 9}, {3, 9}, {4, 9}, {5, 9}}, {}};
  try {
    CheckReferences(core::Table::kHiredEmployees, std::ref(query));
    FAIL() << "orphans were accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("hire 5 references department 9, …"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("restore departments first"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace migration::db
