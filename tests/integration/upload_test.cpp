// POST /v1/{table}/upload end to end: the built binary over real HTTP, on SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "support/api_fixture.hpp"
#include "support/challenge_data.hpp"

namespace migration::testing {
namespace {

class UploadTest : public ApiTest {
 protected:
  // Every reject of a load, following the `next` cursor.
  nlohmann::json AllRejects(long long load_id) {
    nlohmann::json all = nlohmann::json::array();
    std::string query = "?limit=1000";
    while (true) {
      const HttpResponse page = Get(Url("/v1/loads/" + std::to_string(load_id) + "/rejects" + query));
      EXPECT_EQ(page.status, 200) << page.body;
      const nlohmann::json body = page.Json();
      for (const auto& item : body["items"]) all.push_back(item);
      if (body["next"].is_null()) return all;
      query = "?limit=1000&after=" + body["next"].dump();
    }
  }

  // Every row of a catalog as the API lists it: id -> name.
  std::map<long long, std::string> ListedNames(const std::string& table, const std::string& column) {
    std::map<long long, std::string> names;
    std::string query = "?limit=1000";
    while (true) {
      const HttpResponse page = Get(Url("/v1/" + table + query));
      EXPECT_EQ(page.status, 200) << page.body;
      const nlohmann::json body = page.Json();
      for (const auto& item : body["items"]) names[item["id"].get<long long>()] = item[column];
      if (body["next"].is_null()) return names;
      query = "?limit=1000&after=" + body["next"].dump();
    }
  }

  nlohmann::json UploadFile(const DataSet& data, const std::string& table, const ExpectedLoad& expected) {
    const HttpResponse response = PostFile(Url("/v1/" + table + "/upload"), data.File(table));
    EXPECT_EQ(response.status, expected.rejected == 0 ? 201 : 200)
        << data.name << " " << table << ": " << response.body;
    const nlohmann::json body = response.Json();
    EXPECT_EQ(body["table"], table) << response.body;
    EXPECT_EQ(body["rows_received"], expected.received) << response.body;
    EXPECT_EQ(body["rows_inserted"], expected.inserted) << response.body;
    EXPECT_EQ(body["rows_rejected"], expected.rejected) << response.body;
    EXPECT_EQ(CountRows(table), expected.inserted) << table;
    return body;
  }

  // Each reject of the load names the line, fields and codes worked out from the file, and holds
  // the line as written.
  void ExpectRejects(const nlohmann::json& load, const ExpectedLoad& expected) {
    const nlohmann::json rejects = AllRejects(load["load_id"].get<long long>());
    ASSERT_EQ(static_cast<long long>(rejects.size()), expected.rejected) << load.dump();
    for (const auto& reject : rejects) {
      const long long line = reject["line"].get<long long>();
      const auto errors = expected.errors_by_line.find(line);
      ASSERT_NE(errors, expected.errors_by_line.end()) << "unexpected reject " << reject.dump();
      std::set<ExpectedError> named;
      for (const auto& error : reject["errors"]) {
        EXPECT_FALSE(error["message"].get<std::string>().empty()) << reject.dump();
        named.insert({error["field"].get<std::string>(), error["code"].get<std::string>()});
      }
      EXPECT_EQ(Describe(named), Describe(errors->second)) << reject.dump();
      EXPECT_EQ(reject["raw"], expected.raw_by_line.at(line)) << reject.dump();
    }
  }

  static std::string Describe(const std::set<ExpectedError>& errors) {
    std::string text;
    for (const auto& error : errors) text += error.field + ":" + error.code + " ";
    return text;
  }

  // The three files in foreign-key order, each load checked against the expectations.
  void ExpectFilesLoad(const DataSet& data) {
    const ExpectedLoad departments = ExpectCatalog(data, "departments");
    const ExpectedLoad jobs = ExpectCatalog(data, "jobs");
    const ExpectedLoad hires = ExpectHires(data);
    ASSERT_GT(departments.inserted, 0) << data.dir;
    ASSERT_GT(jobs.inserted, 0) << data.dir;
    ASSERT_GT(hires.rejected, 0) << data.dir << ": no reject to check";

    ExpectRejects(UploadFile(data, "departments", departments), departments);
    ExpectRejects(UploadFile(data, "jobs", jobs), jobs);
    const nlohmann::json load = UploadFile(data, "hired_employees", hires);
    EXPECT_EQ(load["status"], "partial") << load.dump();
    ExpectRejects(load, hires);

    // Names come back exactly as the files hold them (quoted, non-ASCII, spaces kept).
    EXPECT_EQ(ListedNames("departments", "department"), CatalogNames(data, "departments"));
    EXPECT_EQ(ListedNames("jobs", "job"), CatalogNames(data, "jobs"));

    // The load history records the same counts.
    const HttpResponse history = Get(Url("/v1/loads/" + load["load_id"].dump()));
    EXPECT_EQ(history.Json()["status"], "partial") << history.body;
    EXPECT_EQ(history.Json()["rows_inserted"], hires.inserted) << history.body;
    EXPECT_EQ(history.Json()["rows_rejected"], hires.rejected) << history.body;
  }
};

TEST_P(UploadTest, GeneratedFilesLoadInForeignKeyOrderWithEveryRejectNamingItsFieldsAndCodes) {
  ExpectFilesLoad(GeneratedData());
}

TEST_P(UploadTest, RealSampleLoadsInForeignKeyOrderWithEveryRejectNamingItsFieldsAndCodes) {
  const std::optional<DataSet> sample = RealSample();
  if (!sample) GTEST_SKIP() << kNoRealSample;
  ExpectFilesLoad(*sample);
}

TEST_P(UploadTest, ReuploadWithDefaultConflictPolicyRejectsEveryRowAsDuplicate) {
  ASSERT_EQ(UploadCsv("departments", "1,Sales\n2,Research\n").status, 201);
  const HttpResponse again = UploadCsv("departments", "1,Sales\n2,Research\n");
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(again.Header("content-type"), "application/problem+json");
  const nlohmann::json body = again.Json();
  EXPECT_EQ(body["rows_inserted"], 0);
  EXPECT_EQ(body["rows_rejected"], 2);
  ASSERT_EQ(body["rejects"].size(), 2u);
  EXPECT_EQ(body["rejects"][0]["errors"][0]["code"], "duplicate");
  EXPECT_EQ(body["rejects"][0]["errors"][0]["field"], "id");
  EXPECT_EQ(CountRows("departments"), 2);
}

TEST_P(UploadTest, OnConflictUpdateOverwritesAndSkipCountsSkipped) {
  ASSERT_EQ(UploadCsv("departments", "1,Sales\n2,Research\n").status, 201);

  const HttpResponse updated = UploadCsv("departments", "1,Sales EMEA\n3,Legal\n", "?on_conflict=update");
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["rows_inserted"], 1);
  EXPECT_EQ(updated.Json()["rows_updated"], 1);
  EXPECT_EQ(Get(Url("/v1/departments/1")).Json()["department"], "Sales EMEA");

  const HttpResponse skipped = UploadCsv("departments", "1,Ignored\n2,Ignored\n4,Ops\n", "?on_conflict=skip");
  EXPECT_EQ(skipped.status, 200) << skipped.body;
  EXPECT_EQ(skipped.Json()["rows_skipped"], 2);
  EXPECT_EQ(skipped.Json()["rows_inserted"], 1);
  EXPECT_EQ(Get(Url("/v1/departments/1")).Json()["department"], "Sales EMEA");
  EXPECT_EQ(CountRows("departments"), 4);
}

TEST_P(UploadTest, HeaderBomCrlfAndQuotedFieldsAreRead) {
  const std::string csv = "\xEF\xBB\xBFid,department\r\n1,\"Sales, \"\"North\"\"\"\r\n2,\"Multi\nline\"\r\n";
  const HttpResponse response = UploadCsv("departments", csv);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.Json()["rows_received"], 2);
  EXPECT_EQ(Get(Url("/v1/departments/1")).Json()["department"], "Sales, \"North\"");
  EXPECT_EQ(Get(Url("/v1/departments/2")).Json()["department"], "Multi\nline");
}

TEST_P(UploadTest, MalformedCsvRecordIsRejectedWithItsLine) {
  const HttpResponse response = UploadCsv("departments", "1,Sales\n2,\"unterminated\n");
  EXPECT_EQ(response.status, 200) << response.body;
  const nlohmann::json body = response.Json();
  EXPECT_EQ(body["rows_inserted"], 1);
  ASSERT_EQ(body["rejects"].size(), 1u);
  EXPECT_EQ(body["rejects"][0]["line"], 2);
  EXPECT_EQ(CountRows("departments"), 1);
}

TEST_P(UploadTest, UnknownForeignKeysAreRejectedNamingTheField) {
  SeedCatalog();
  const HttpResponse response =
      UploadCsv("hired_employees", "1,Ann,2021-01-01T00:00:00Z,1,1\n2,Bob,2021-01-01T00:00:00Z,99,1\n");
  EXPECT_EQ(response.status, 200) << response.body;
  const nlohmann::json reject = response.Json()["rejects"][0];
  EXPECT_EQ(reject["line"], 2);
  EXPECT_EQ(reject["errors"][0]["field"], "department_id");
  EXPECT_EQ(CountRows("hired_employees"), 1);
}

TEST_P(UploadTest, UnknownTableWrongMediaTypeAndMissingFilePartAreProblems) {
  const HttpResponse unknown = UploadCsv("employees", "1,x\n");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("content-type"), "application/problem+json");
  EXPECT_FALSE(unknown.Header("x-request-id").empty());

  EXPECT_EQ(Post(Url("/v1/departments/upload"), "1,x\n", "application/octet-stream").status, 415);

  const std::string no_file = "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n1,x\r\n--b--\r\n";
  const HttpResponse missing = Post(Url("/v1/departments/upload"), no_file, "multipart/form-data; boundary=b");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(CountRows("departments"), 0);

  const HttpResponse empty = UploadCsv("departments", "id,department\n");
  EXPECT_EQ(empty.status, 422) << empty.body;
}

MIGRATION_ON_BOTH_BACKENDS(UploadTest);

}  // namespace
}  // namespace migration::testing
