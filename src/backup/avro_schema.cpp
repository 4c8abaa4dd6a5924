#include "backup/avro_schema.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace migration::backup {
namespace {

// Ordered, so that the header's schema lists attributes in the order written here.
using Json = nlohmann::ordered_json;

constexpr std::string_view kNamespace = "migration_api.backup";
constexpr std::string_view kTimestampMicros = "timestamp-micros";

Json FieldType(core::ColumnKind kind) {
  switch (kind) {
    case core::ColumnKind::kId:
    case core::ColumnKind::kReference: return "int";
    case core::ColumnKind::kText: return "string";
    case core::ColumnKind::kDatetime: return {{"type", "long"}, {"logicalType", kTimestampMicros}};
  }
  throw core::Error(core::ErrorCode::kInternal, "unknown column kind in an Avro schema");
}

[[noreturn]] void Refuse(core::Table table, const std::string& why) {
  throw core::Error(core::ErrorCode::kUnprocessable,
                    "the file is not a backup of table " + std::string(core::TableName(table)) + ": " + why);
}

// Short JSON text of a schema fragment for a message (a hostile header could hold megabytes).
std::string Describe(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 120;
  if (text.size() > kMax) {
    text.resize(kMax);
    text += "...";
  }
  return text;
}

// True when `type` is the Avro type expected for a column of `kind`.
bool TypeMatches(const Json& type, core::ColumnKind kind) {
  const Json expected = FieldType(kind);
  if (expected.is_string()) {
    if (type == expected) return true;
    // {"type": "int"} is the same type; any other attribute (a logical type) makes it another one.
    return type.is_object() && type.size() == 1 && type.contains("type") && type["type"] == expected;
  }
  // The datetime: long with exactly the timestamp-micros logical type (timestamp-millis, or a bare
  // long, would read as instants a thousand times off or of unknown unit).
  return type.is_object() && type.value("type", Json()) == expected.at("type") &&
         type.value("logicalType", Json()) == expected.at("logicalType");
}

}  // namespace

std::string AvroSchemaJson(core::Table table) {
  const core::TableSchema& schema = core::SchemaOf(table);
  Json fields = Json::array();
  for (const core::Column& column : schema.columns) {
    fields.push_back({{"name", column.name}, {"type", FieldType(column.kind)}});
  }
  const Json record = {{"type", "record"}, {"name", schema.name}, {"namespace", kNamespace}, {"fields", fields}};
  return record.dump();
}

void CheckAvroSchemaJson(core::Table table, std::string_view schema_json) {
  const Json schema = Json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) Refuse(table, "its header's avro.schema is not valid JSON");
  if (!schema.is_object() || schema.value("type", Json()) != "record") {
    Refuse(table, "its schema is not an Avro record: " + Describe(schema));
  }
  const Json name = schema.value("name", Json());
  const core::TableSchema& expected = core::SchemaOf(table);
  if (name != std::string(expected.name)) {
    // Name the table the file does belong to when it is one of ours: the likely mistake.
    if (name.is_string() && core::TableFromName(name.get<std::string>())) {
      Refuse(table, "it holds rows of table " + name.get<std::string>());
    }
    Refuse(table, "its record is named " + Describe(name));
  }
  const Json fields = schema.value("fields", Json());
  if (!fields.is_array() || fields.size() != expected.columns.size()) {
    Refuse(table, "its record has " + (fields.is_array() ? std::to_string(fields.size()) : std::string("no")) +
                      " fields, expected " + std::to_string(expected.columns.size()));
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    const core::Column& column = expected.columns[i];
    const Json& field = fields[i];
    if (!field.is_object() || field.value("name", Json()) != std::string(column.name)) {
      Refuse(table, "field " + std::to_string(i + 1) + " is " +
                        Describe(field.is_object() ? field.value("name", field) : field) + ", expected " +
                        std::string(column.name));
    }
    const Json type = field.value("type", Json());
    if (!TypeMatches(type, column.kind)) {
      Refuse(table, "field " + std::string(column.name) + " has type " + Describe(type) + ", expected " +
                        Describe(FieldType(column.kind)));
    }
  }
}

}  // namespace migration::backup
