#pragma once
// The Avro record schema of each table's backup files, derived from core::SchemaOf (column names
// and kinds), and the check that a file's schema is exactly that one.
//
//   departments      {id: int, department: string}
//   jobs             {id: int, job: string}
//   hired_employees  {id: int, name: string, datetime: long (logicalType timestamp-micros),
//                     department_id: int, job_id: int}
//
// No field is nullable: a backup holds rows that passed the data rules, and a null in a file would
// be a corruption. When a table or column is added (core/table.cpp), this follows by itself; a new
// ColumnKind needs a case in avro_schema.cpp and in the reader and writer.

#include <string>
#include <string_view>

#include "core/table.hpp"

namespace migration::backup {

// The schema as JSON, written into the file header (avro.schema) with its logical type.
std::string AvroSchemaJson(core::Table table);

// Throws core::Error(kUnprocessable) unless `schema_json` is a record schema named after `table`
// with exactly its fields, in order, with the same types (timestamp-micros included). Primitive
// types may be spelled "int" or {"type": "int"}; unions (nullable fields) are refused.
void CheckAvroSchemaJson(core::Table table, std::string_view schema_json);

}  // namespace migration::backup
