// Tests of the per-table Avro schemas and of the check of a file's schema (src/backup/avro_schema.hpp).

#include "backup/avro_schema.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace migration::backup {
namespace {

// The exact header text: other Avro readers (and people) see this; a change is a format change.
TEST(AvroSchema, EveryTableHasItsRecordSchema) {
  EXPECT_EQ(AvroSchemaJson(core::Table::kDepartments),
            R"({"type":"record","name":"departments","namespace":"migration_api.backup","fields":[)"
            R"({"name":"id","type":"int"},{"name":"department","type":"string"}]})");
  EXPECT_EQ(AvroSchemaJson(core::Table::kJobs),
            R"({"type":"record","name":"jobs","namespace":"migration_api.backup","fields":[)"
            R"({"name":"id","type":"int"},{"name":"job","type":"string"}]})");
  EXPECT_EQ(AvroSchemaJson(core::Table::kHiredEmployees),
            R"({"type":"record","name":"hired_employees","namespace":"migration_api.backup","fields":[)"
            R"({"name":"id","type":"int"},{"name":"name","type":"string"},)"
            R"({"name":"datetime","type":{"type":"long","logicalType":"timestamp-micros"}},)"
            R"({"name":"department_id","type":"int"},{"name":"job_id","type":"int"}]})");
}

TEST(AvroSchema, AcceptsItsOwnSchemaAndEquivalentSpellings) {
  for (const core::Table table : core::kAllTables) EXPECT_NO_THROW(CheckAvroSchemaJson(table, AvroSchemaJson(table)));
  EXPECT_NO_THROW(CheckAvroSchemaJson(
      core::Table::kJobs,
      R"({"type":"record","name":"jobs","doc":"x","fields":[{"name":"id","type":{"type":"int"}},{"name":"job","type":"string","doc":"y"}]})"));
}

void ExpectRefused(core::Table table, const std::string& schema, const std::string& fragment) {
  try {
    CheckAvroSchemaJson(table, schema);
    ADD_FAILURE() << "accepted: " << schema;
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnprocessable);
    EXPECT_NE(error.detail().find(fragment), std::string::npos) << error.detail();
  }
}

TEST(AvroSchema, RefusesAnyOtherSchema) {
  const std::string hires_head = R"({"type":"record","name":"hired_employees","fields":[{"name":"id","type":"int"},)"
                                 R"({"name":"name","type":"string"},{"name":"datetime","type":)";
  const std::string hires_tail = R"(},{"name":"department_id","type":"int"},{"name":"job_id","type":"int"}]})";
  ExpectRefused(core::Table::kJobs, AvroSchemaJson(core::Table::kDepartments), "it holds rows of table departments");
  ExpectRefused(core::Table::kJobs, "not json", "not valid JSON");
  ExpectRefused(core::Table::kJobs, R"("string")", "not an Avro record");
  ExpectRefused(core::Table::kJobs, R"({"type":"record","name":"people","fields":[]})", "named \"people\"");
  ExpectRefused(core::Table::kJobs, R"({"type":"record","name":"jobs","fields":[{"name":"id","type":"int"}]})",
                "1 fields, expected 2");
  ExpectRefused(
      core::Table::kJobs,
      R"({"type":"record","name":"jobs","fields":[{"name":"id","type":"int"},{"name":"title","type":"string"}]})",
      "field 2 is \"title\", expected job");
  ExpectRefused(
      core::Table::kJobs,
      R"({"type":"record","name":"jobs","fields":[{"name":"id","type":"long"},{"name":"job","type":"string"}]})",
      "field id has type \"long\"");
  ExpectRefused(
      core::Table::kJobs,
      R"({"type":"record","name":"jobs","fields":[{"name":"id","type":"int"},{"name":"job","type":["null","string"]}]})",
      "field job has type [\"null\",\"string\"]");
  ExpectRefused(core::Table::kHiredEmployees, hires_head + R"("long")" + hires_tail, "field datetime has type");
  ExpectRefused(core::Table::kHiredEmployees,
                hires_head + R"({"type":"long","logicalType":"timestamp-millis"})" + hires_tail, "timestamp-millis");
  ExpectRefused(core::Table::kHiredEmployees,
                hires_head + R"({"type":"int","logicalType":"timestamp-micros"})" + hires_tail,
                "field datetime has type");
  ExpectRefused(
      core::Table::kHiredEmployees,
      hires_head + R"({"type":"long","logicalType":"timestamp-micros"})" +
          R"(},{"name":"department_id","type":"int"},{"name":"job_id","type":"int"},{"name":"extra","type":"int"}]})",
      "6 fields, expected 5");
}

}  // namespace
}  // namespace migration::backup
