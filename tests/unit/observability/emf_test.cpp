#include "observability/emf.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace migration::observability {
namespace {

TEST(EmfTest, ALoadLineDeclaresBothDimensionSetsAndCarriesEveryValue) {
  const std::string line = FormatEmfLine("production", "departments",
                                         {{emf::kRowsInserted, "Count", 2},
                                          {emf::kRowsRejected, "Count", 1},
                                          {emf::kLoadDurationMs, "Milliseconds", 12.5}},
                                         {{"load_id", 7}}, 1700000000123);
  const nlohmann::json doc = nlohmann::json::parse(line);
  EXPECT_EQ(doc["_aws"]["Timestamp"], 1700000000123);
  ASSERT_EQ(doc["_aws"]["CloudWatchMetrics"].size(), 1u);
  const nlohmann::json& directive = doc["_aws"]["CloudWatchMetrics"][0];
  EXPECT_EQ(directive["Namespace"], "MigrationApi");
  EXPECT_EQ(directive["Dimensions"], nlohmann::json::parse(R"([["Environment"],["Environment","Table"]])"));
  EXPECT_EQ(directive["Metrics"], nlohmann::json::parse(R"([{"Name":"rows_inserted","Unit":"Count"},
      {"Name":"rows_rejected","Unit":"Count"},{"Name":"load_duration_ms","Unit":"Milliseconds"}])"));
  EXPECT_EQ(doc["Environment"], "production");
  EXPECT_EQ(doc["Table"], "departments");
  EXPECT_EQ(doc["rows_inserted"], 2);
  EXPECT_EQ(doc["rows_rejected"], 1);
  EXPECT_EQ(doc["load_duration_ms"], 12.5);
  EXPECT_EQ(doc["load_id"], 7);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one document, one line";
}

TEST(EmfTest, WithoutATableOnlyTheEnvironmentDimensionSetIsDeclared) {
  const nlohmann::json doc = nlohmann::json::parse(
      FormatEmfLine("staging", std::nullopt, {{emf::kS3Errors, "Count", 1}}, {{"operation", "put_object"}}, 1));
  EXPECT_EQ(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"], nlohmann::json::parse(R"([["Environment"]])"));
  EXPECT_FALSE(doc.contains("Table"));
  EXPECT_EQ(doc["s3_errors"], 1);
  EXPECT_EQ(doc["operation"], "put_object");
}

}  // namespace
}  // namespace migration::observability
