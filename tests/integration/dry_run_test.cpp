// ?dry_run=true on uploads and batches, over real HTTP on both backends: the answer is the real
// load's (counts, rejects), and the tables, the reports and the archive are left as they were.

#include <gtest/gtest.h>

#include <string>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class DryRunApiTest : public ApiTest {
 protected:
  // The parts of a load's answer a dry run must share with the real load (a refused atomic
  // batch's load fields come inside a problem body, whose own members are dropped too).
  static nlohmann::json Comparable(nlohmann::json load) {
    for (const char* key : {"load_id", "status", "outcome", "started_at", "finished_at", "duration_ms", "rejects_url",
                            "archive", "source", "trace_id", "type", "title", "detail", "instance"}) {
      load.erase(key);
    }
    return load;
  }

  // What a client can read of the data: the table's rows, the report, and the load history's size.
  std::string Observed() {
    return Get(Url("/v1/hired_employees?limit=1000")).body + Get(Url("/v1/departments?limit=1000")).body +
           Get(Url("/v1/reports/hires-by-quarter?year=2021")).body +
           Get(Url("/v1/reports/departments-above-mean?year=2021")).body;
  }
};

// Rows of every kind: new, already in the table (ids 1 and 2), repeated within the file, an
// unknown department, a bad datetime, a short record.
constexpr const char* kHires =
    "1,Ann,2021-01-05T10:00:00Z,1,1\n"
    "2,Bob,2021-02-05T10:00:00Z,2,1\n"
    "10,Cid,2021-04-05T10:00:00Z,1,2\n"
    "11,Dee,2021-07-05T10:00:00Z,3,3\n"
    "10,Eve,2021-08-05T10:00:00Z,2,2\n"
    "12,Fay,2021-09-05T10:00:00Z,9,1\n"
    "13,Gus,2021-13-05T10:00:00Z,1,1\n"
    "14,Hal\n"
    "15,\"Ivy, Jr.\",2021-10-05T10:00:00Z,1,3\n";

TEST_P(DryRunApiTest, AnUploadDryRunAnswersAsItsLoadWouldAndChangesNothing) {
  SeedCatalog();
  ASSERT_EQ(UploadCsv("hired_employees", "1,Old,2021-03-01T00:00:00Z,1,1\n2,Old,2021-03-01T00:00:00Z,2,2\n").status,
            201);
  for (const std::string& on_conflict : {std::string("reject"), std::string("skip"), std::string("update")}) {
    const std::string before = Observed();
    const long long loads_before = database_->QueryInt("SELECT count(*) FROM loads");
    const HttpResponse dry = UploadCsv("hired_employees", kHires, "?dry_run=true&on_conflict=" + on_conflict);
    ASSERT_EQ(dry.status, 200) << dry.body;
    const nlohmann::json dry_load = dry.Json();
    EXPECT_EQ(dry_load["status"], "dry_run") << dry.body;
    EXPECT_EQ(dry_load["outcome"], "partial") << dry.body;
    EXPECT_TRUE(dry_load["archive"].is_null()) << dry.body;
    EXPECT_EQ(Observed(), before) << on_conflict;
    EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM loads"), loads_before + 1);
    // Kept like any load's: in the history, with its rejects.
    const HttpResponse listed = Get(Url("/v1/loads/" + dry_load["load_id"].dump()));
    EXPECT_EQ(listed.Json()["status"], "dry_run") << listed.body;
    EXPECT_EQ(Get(Url("/v1/loads/" + dry_load["load_id"].dump() + "/rejects")).Json()["items"].size(),
              dry_load["rows_rejected"].get<size_t>());

    const HttpResponse real = UploadCsv("hired_employees", kHires, "?on_conflict=" + on_conflict);
    ASSERT_EQ(real.status, 200) << real.body;
    EXPECT_EQ(real.Json()["status"], "partial");
    EXPECT_EQ(Comparable(dry_load), Comparable(real.Json())) << on_conflict;
    EXPECT_NE(Observed(), before) << on_conflict;
    // Back to the two old hires, for the next policy.
    database_->Execute("DELETE FROM hired_employees WHERE id > 2");
    database_->Execute("UPDATE hired_employees SET name = 'Old'");
  }
}

TEST_P(DryRunApiTest, ABatchDryRunAnswersAsItsLoadWouldAndChangesNothing) {
  SeedCatalog();
  const std::string batch = R"([{"id":1,"name":"A","datetime":"2021-05-01T00:00:00Z","department_id":1,"job_id":1},)"
                            R"({"id":2,"name":"B","datetime":"2021-06-01T00:00:00Z","department_id":7,"job_id":2}])";
  for (const std::string& atomic : {std::string("true"), std::string("false")}) {
    const std::string before = Observed();
    const HttpResponse dry = PostJson("hired_employees", batch, "?dry_run=1&atomic=" + atomic);
    ASSERT_EQ(dry.status, 200) << dry.body;
    EXPECT_EQ(dry.Json()["outcome"], atomic == "true" ? "rejected" : "partial") << dry.body;
    EXPECT_EQ(Observed(), before);
    const HttpResponse real = PostJson("hired_employees", batch, "?atomic=" + atomic);
    EXPECT_EQ(real.status, atomic == "true" ? 422 : 200) << real.body;
    EXPECT_EQ(Comparable(dry.Json()), Comparable(real.Json())) << real.body;
    database_->Execute("DELETE FROM hired_employees");
  }
  EXPECT_EQ(PostJson("hired_employees", batch, "?dry_run=maybe").status, 400);
}

MIGRATION_ON_BOTH_BACKENDS(DryRunApiTest);

}  // namespace
}  // namespace migration::testing
