// GET /v1/{table}?format=csv end to end, on SQLite and PostgreSQL: the export is the upload's
// format (upload → export gives back the very file uploaded, when it is written the way the export
// writes), an upload of the export into a fresh database restores the same rows and exports to the
// same bytes, at a size that crosses the export's page many times; and the format's parameters.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "extract/table_csv.hpp"
#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

// Rows per table: the export reads kPageRows at a time; this crosses that boundary five times.
constexpr int kRows = 25'000;
static_assert(kRows >= 3 * extract::TableCsv::kPageRows);

// A quoting of this test's own (RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes
// doubled), so the expected files do not come from the code under test.
std::string Quoted(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Names with every character the CSV must carry through: commas, quotes, LF, CR, CRLF, non-ASCII,
// formula-leading text (kept as is), spaces at either end, and long names.
std::string NameFor(int i) {
  switch (i % 10) {
    case 0: return fmt::format("Name {}", i);
    case 1: return fmt::format("Last, First {}", i);
    case 2: return fmt::format("The \"{}\" one", i);
    case 3: return fmt::format("two\nlines {}", i);
    case 4: return fmt::format("Zoë Ångström ✓ 日本 {}", i);
    case 5: return fmt::format("=HYPERLINK(\"x\",{})", i);
    case 6: return fmt::format("  spaced {}  ", i);
    case 7: return fmt::format("cr\rcrlf\r\n{}", i);
    case 8: return std::string(240, 'x') + std::to_string(i);
    default: return fmt::format("\"{}", i);
  }
}

// The file the export must write for each table, in its format: id order, no header, "\n".
std::string CatalogCsv() {
  std::string csv;
  for (int id = 1; id <= kRows; ++id) csv += fmt::format("{},{}\n", id, Quoted(NameFor(id)));
  return csv;
}

std::string HiresCsv() {
  std::string csv;
  for (int id = 1; id <= kRows; ++id) {
    // Every third hire has a fraction of a second (written with six digits), the others none.
    const std::string fraction = id % 3 == 0 ? fmt::format(".{:06}", id % 999'999 + 1) : "";
    const std::string datetime = fmt::format("20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z", 15 + id % 10, 1 + id % 12,
                                             1 + id % 28, id % 24, id % 60, (id * 7) % 60, fraction);
    csv +=
        fmt::format("{},{},{},{},{}\n", id, Quoted(NameFor(id * 7)), datetime, 1 + id % kRows, 1 + (id * 13) % kRows);
  }
  return csv;
}

class TableExportTest : public ApiTest {
 protected:
  static HttpResponse Export(const ServerProcess& server, const std::string& table, const std::string& query = "") {
    return Get(server.Url("/v1/" + table + "?format=csv" + query));
  }

  // Every row as the JSON list gives it (a path independent of the CSV export).
  static nlohmann::json ListedRows(const ServerProcess& server, const std::string& table) {
    nlohmann::json all = nlohmann::json::array();
    std::string query = "?limit=1000";
    for (;;) {
      const HttpResponse page = Get(server.Url("/v1/" + table + query));
      EXPECT_EQ(page.status, 200) << page.body;
      const nlohmann::json body = page.Json();
      for (const auto& item : body["items"]) all.push_back(item);
      if (body["next"].is_null()) return all;
      query = "?limit=1000&after=" + body["next"].dump();
    }
  }

  static void Upload(const ServerProcess& server, const std::string& table, const std::string& csv) {
    const HttpResponse response = Post(server.Url("/v1/" + table + "/upload"), csv, "text/csv");
    ASSERT_EQ(response.status, 201) << table << ": " << response.body.substr(0, 2000);
    ASSERT_EQ(response.Json()["rows_inserted"], kRows) << response.body.substr(0, 2000);
  }
};

TEST_P(TableExportTest, UploadExportUploadExportIsAnIdentityAtScale) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"departments", CatalogCsv()}, {"jobs", CatalogCsv()}, {"hired_employees", HiresCsv()}};
  for (const auto& [table, csv] : files) Upload(*server_, table, csv);

  std::vector<std::string> first;
  for (const auto& [table, csv] : files) {
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse exported = Export(*server_, table);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(exported.status, 200) << exported.body.substr(0, 2000);
    EXPECT_EQ(exported.Header("content-type"), "text/csv; charset=utf-8");
    EXPECT_EQ(exported.Header("content-disposition"), "attachment; filename=\"" + table + ".csv\"");
    EXPECT_EQ(exported.Header("transfer-encoding"), "chunked");
    // The very file uploaded: it was written the way the export writes.
    EXPECT_EQ(exported.body.size(), csv.size()) << table;
    EXPECT_TRUE(exported.body == csv) << table << ": the export differs from the upload at byte "
                                      << std::mismatch(csv.begin(), csv.end(), exported.body.begin()).first -
                                             csv.begin();
    std::cout << table << ": " << kRows << " rows, " << exported.body.size() << " bytes exported in " << took.count()
              << " s (" << static_cast<long>(kRows / took.count()) << " rows/s)\n";
    first.push_back(exported.body);
  }

  // A fresh database of the same backend, loaded from the exports, in foreign-key order.
  const TestDatabase fresh_database(GetParam());
  const ServerProcess fresh(fresh_database.url());
  for (size_t i = 0; i < files.size(); ++i) Upload(fresh, files[i].first, first[i]);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& table = files[i].first;
    const HttpResponse again = Export(fresh, table);
    ASSERT_EQ(again.status, 200);
    EXPECT_TRUE(again.body == first[i]) << table << ": exporting the restored table gave other bytes";
    const nlohmann::json rows = ListedRows(*server_, table);
    EXPECT_EQ(rows.size(), static_cast<size_t>(kRows));
    EXPECT_TRUE(rows == ListedRows(fresh, table)) << table << ": the restored rows differ";
  }
  // The names survived as values, not only as bytes: spot checks through the JSON row.
  for (const int id : {3, 7, 13, 24'999}) {
    EXPECT_EQ(Get(fresh.Url("/v1/departments/" + std::to_string(id))).Json()["department"], NameFor(id));
    EXPECT_EQ(Get(fresh.Url("/v1/hired_employees/" + std::to_string(id))).Json()["name"], NameFor(id * 7));
  }
}

TEST_P(TableExportTest, AHeaderLineWhenAskedWhichTheUploadSkips) {
  SeedCatalog();
  const HttpResponse exported = Export(*server_, "departments", "&header=true");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.body, "id,department\n1,Sales\n2,Research\n3,Legal\n");
  const TestDatabase fresh_database(GetParam());
  const ServerProcess fresh(fresh_database.url());
  const HttpResponse loaded = Post(fresh.Url("/v1/departments/upload"), exported.body, "text/csv");
  EXPECT_EQ(loaded.status, 201) << loaded.body;
  EXPECT_EQ(Export(fresh, "departments").body, "1,Sales\n2,Research\n3,Legal\n");
}

TEST_P(TableExportTest, AfterResumesPastAnIdAndAnEmptyTableIsAnEmptyFile) {
  SeedCatalog();
  EXPECT_EQ(Export(*server_, "jobs", "&after=1").body, "2,Analyst\n3,Manager\n");
  const HttpResponse empty = Export(*server_, "hired_employees");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
}

TEST_P(TableExportTest, AcceptTextCsvAsksForTheExportAndJsonStaysTheDefault) {
  SeedCatalog();
  const HttpResponse csv = Request("GET", Url("/v1/jobs"), "", {"Accept: text/csv"});
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body, "1,Engineer\n2,Analyst\n3,Manager\n");
  EXPECT_EQ(Request("GET", Url("/v1/jobs"), "", {"Accept: text/csv, application/json"}).Json()["items"].size(), 3U);
  EXPECT_EQ(Get(Url("/v1/jobs?format=json&limit=2")).Json()["items"].size(), 2U);
  // format wins over Accept.
  EXPECT_EQ(Request("GET", Url("/v1/jobs?format=json"), "", {"Accept: text/csv"}).Json()["items"].size(), 3U);
}

TEST_P(TableExportTest, AnUnknownFormatOrAParameterOfTheOtherFormatIs400) {
  const HttpResponse xml = Get(Url("/v1/departments?format=xml"));
  EXPECT_EQ(xml.status, 400) << xml.body;
  EXPECT_EQ(xml.Json()["detail"], "format must be json or csv, got \"xml\"");
  const HttpResponse unknown = Get(Url("/v1/departments?format=csv&delimiter=;"));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(unknown.Json()["detail"].get<std::string>().find("unknown query parameter \"delimiter\""),
            std::string::npos)
      << unknown.body;
  EXPECT_EQ(Get(Url("/v1/departments?format=csv&limit=10")).status, 400);
  EXPECT_EQ(Get(Url("/v1/departments?header=true")).status, 400);
  EXPECT_EQ(Get(Url("/v1/departments?format=csv&header=yes")).status, 400);
  EXPECT_EQ(Get(Url("/v1/departments?format=csv&after=-1")).status, 400);
  EXPECT_EQ(Get(Url("/v1/nothing?format=csv")).status, 404);
}

MIGRATION_ON_BOTH_BACKENDS(TableExportTest);

}  // namespace
}  // namespace migration::testing
