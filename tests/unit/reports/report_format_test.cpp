#include "reports/report_format.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"

namespace migration::reports {
namespace {

HiresByQuarter TwoPairs() {
  HiresByQuarter report;
  report.year = 2021;
  report.rows = {{1, "Sales, \"EMEA\"", 2, "Engineer", {1, 0, 2, 0}}, {3, "Zoë", 4, "=SUM(A1)", {0, 5, 0, 1}}};
  return report;
}

TEST(ReportFormatTest, ParsesTheThreeFormatNamesAndRefusesOthers) {
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_EQ(ParseFormat("csv"), Format::kCsv);
  EXPECT_EQ(ParseFormat("table"), Format::kTable);
  EXPECT_THROW(ParseFormat("xml"), core::Error);
  EXPECT_THROW(ParseFormat("CSV"), core::Error);
}

TEST(ReportFormatTest, HiresByQuarterJsonIsTheApiShapeAndValidJson) {
  const nlohmann::json body = nlohmann::json::parse(Render(TwoPairs(), Format::kJson));
  EXPECT_EQ(body["year"], 2021);
  ASSERT_EQ(body["rows"].size(), 2U);
  EXPECT_EQ(body["rows"][0]["department"], "Sales, \"EMEA\"");
  EXPECT_EQ(body["rows"][0]["Q3"], 2);
  EXPECT_EQ(body["rows"][1]["department"], "Zoë");
  EXPECT_EQ(body["rows"][1]["Q2"], 5);
}

TEST(ReportFormatTest, CsvQuotesPerRfc4180AndNeutralisesFormulaNames) {
  EXPECT_EQ(Render(TwoPairs(), Format::kCsv),
            "department,job,Q1,Q2,Q3,Q4\r\n"
            "\"Sales, \"\"EMEA\"\"\",Engineer,1,0,2,0\r\n"
            "Zoë,'=SUM(A1),0,5,0,1\r\n");
}

TEST(ReportFormatTest, TheTableAlignsByCharactersAndRightAlignsNumbers) {
  const std::string table = Render(TwoPairs(), Format::kTable);
  // é is one column, not two bytes; the table is for terminals, so no formula quote here.
  EXPECT_NE(table.find("\nSales, \"EMEA\"  Engineer   1   0   2   0\n"), std::string::npos) << table;
  EXPECT_NE(table.find("\nZoë            =SUM(A1)   0   5   0   1\n"), std::string::npos) << table;
  EXPECT_NE(table.find("2 department/job pairs with hires in 2021"), std::string::npos) << table;
}

TEST(ReportFormatTest, DepartmentsAboveMeanInEachFormat) {
  DepartmentsAboveMean report;
  report.year = 2021;
  report.mean = 2.5;
  report.rows = {{7, "-Ops", 9}};
  const nlohmann::json body = nlohmann::json::parse(Render(report, Format::kJson));
  EXPECT_EQ(body["mean"], 2.5);
  EXPECT_EQ(body["rows"][0]["id"], 7);
  EXPECT_EQ(body["rows"][0]["hired"], 9);
  EXPECT_EQ(Render(report, Format::kCsv), "id,department,hired\r\n7,'-Ops,9\r\n");  // numbers keep their sign
  EXPECT_NE(Render(report, Format::kTable).find("mean hires per department in 2021: 2.50"), std::string::npos);
}

TEST(ReportFormatTest, EscapeControlsLeavesTextAndEscapesC0DelAndC1) {
  EXPECT_EQ(EscapeControls("Zoë Ops"), "Zoë Ops");
  EXPECT_EQ(EscapeControls("a\tb\nc\x1b[2J\x7f"), "a\\tb\\nc\\x1b[2J\\x7f");
  EXPECT_EQ(EscapeControls("x\xc2\x9b"
                           "31m"),
            "x\\u009b31m");
}

}  // namespace
}  // namespace migration::reports
