// GET /v1/loads/{id}/rejects?format=csv over real HTTP on both backends: download a load's
// rejects, fix the file with a script, upload it as is with extra_columns=ignore, and the fixed
// rows load — at a size that crosses the rejects' page several times.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/csv_row.hpp"
#include "ingest/csv/csv_reader.hpp"
#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

constexpr int kHires = 4000;

// Every 3rd hire names department 9 (not loaded), every 7th has a blank name, every 11th a date
// that does not exist: about 1,900 rejects, some with two errors.
std::string HiresCsv() {
  std::string csv;
  for (int id = 1; id <= kHires; ++id) {
    const std::string name = id % 7 == 0 ? " " : fmt::format("\"Doe, Jane {}\"", id);
    const std::string when = id % 11 == 0 ? "2021-02-30T10:00:00Z" : "2021-03-01T10:00:00Z";
    csv += fmt::format("{},{},{},{},{}\n", id, name, when, id % 3 == 0 ? 9 : 1 + id % 3, 1 + id % 3);
  }
  return csv;
}

// The script a person would run: every rejected record's bad values replaced, the rest of each
// line (the `line` and `errors` columns included) left as it is.
std::string FixRejects(const std::string& rejects_csv, int* records) {
  std::string fixed;
  bool header = true;
  ingest::csv::CsvReader reader;
  const ingest::csv::CsvReader::Sink sink = [&](const ingest::csv::CsvRecord& record) {
    ASSERT_FALSE(record.error) << record.raw;
    std::vector<std::string> fields(record.fields.begin(), record.fields.end());
    if (header) {
      header = false;
    } else {
      ++*records;
      if (fields[1] == " ") fields[1] = "Fixed";
      if (fields[2] == "2021-02-30T10:00:00Z") fields[2] = "2021-02-28T10:00:00Z";
      if (fields[3] == "9") fields[3] = "2";
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) fixed += ',';
      extract::AppendCsvField(fields[i], fixed);
    }
    fixed += "\r\n";  // a spreadsheet's line ends
  };
  reader.Feed(rejects_csv, sink);
  reader.Finish(sink);
  return fixed;
}

class RejectsCsvApiTest : public ApiTest {};

TEST_P(RejectsCsvApiTest, DownloadFixUploadLoadsTheFixedRows) {
  SeedCatalog();
  const HttpResponse first = UploadCsv("hired_employees", HiresCsv());
  ASSERT_EQ(first.status, 200) << first.body;
  const long long rejected = first.Json()["rows_rejected"].get<long long>();
  ASSERT_GT(rejected, 3 * 500) << "the rejects must cross their page size several times";

  const std::string url = Url("/v1/loads/" + first.Json()["load_id"].dump() + "/rejects?format=csv");
  const HttpResponse download = Get(url);
  ASSERT_EQ(download.status, 200) << download.body.substr(0, 500);
  EXPECT_EQ(download.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_NE(download.Header("content-disposition").find("rejects.csv"), std::string::npos);
  EXPECT_EQ(download.body.rfind("id,name,datetime,department_id,job_id,line,errors\n", 0), 0U);

  int records = 0;
  const std::string fixed = FixRejects(download.body, &records);
  EXPECT_EQ(records, rejected);
  // As is, the extra columns are rejects; with extra_columns=ignore the fixed rows load.
  const HttpResponse strict = UploadCsv("hired_employees", fixed, "?dry_run=true");
  EXPECT_EQ(strict.Json()["rows_inserted"], 0) << strict.body.substr(0, 500);
  const HttpResponse again = UploadCsv("hired_employees", fixed, "?extra_columns=ignore");
  ASSERT_EQ(again.status, 201) << again.body.substr(0, 500);
  EXPECT_EQ(again.Json()["rows_inserted"], rejected);
  EXPECT_EQ(CountRows("hired_employees"), kHires);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM hired_employees WHERE name = 'Fixed'"), kHires / 7);
}

TEST_P(RejectsCsvApiTest, PagingParametersOrAnUnknownFormatAreRefused) {
  const HttpResponse load = UploadCsv("departments", "1,Sales\nx,Bad\n");
  ASSERT_EQ(load.status, 200);
  const std::string base = Url("/v1/loads/" + load.Json()["load_id"].dump() + "/rejects");
  EXPECT_EQ(Get(base + "?format=csv&limit=5").status, 400);
  EXPECT_EQ(Get(base + "?format=xml").status, 400);
  // The same reject as the JSON list gives, its errors as "field: message".
  std::string expected = "id,department,line,errors\nx,Bad,2,";
  extract::AppendCsvField("id: " + Get(base).Json()["items"][0]["errors"][0]["message"].get<std::string>(), expected);
  EXPECT_EQ(Get(base + "?format=csv").body, expected + "\n");
  EXPECT_EQ(Get(Url("/v1/loads/999/rejects?format=csv")).status, 404);
}

MIGRATION_ON_BOTH_BACKENDS(RejectsCsvApiTest);

}  // namespace
}  // namespace migration::testing
