#include "backup/avro_backup_reader.hpp"

#include <avro.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "backup/avro_blocks.hpp"
#include "backup/avro_c.hpp"
#include "backup/avro_file_bytes.hpp"
#include "backup/avro_header.hpp"
#include "backup/avro_row_fields.hpp"
#include "backup/avro_schema.hpp"
#include "core/error.hpp"

namespace migration::backup {
namespace {

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }  // NOLINT(cert-err33-c): read only
};
using File = std::unique_ptr<std::FILE, CloseFile>;

// avro-c's file reader; closing it leaves our FILE* open (opened with should_close = 0).
struct CloseReader {
  void operator()(avro_file_reader_t reader) const {
    const auto lock = avro_c::Lock();
    avro_file_reader_close(reader);
  }
};
using Reader = std::unique_ptr<std::remove_pointer_t<avro_file_reader_t>, CloseReader>;

// Pass 1 (see the header). Leaves `file` at its end.
AvroFileSummary CheckStructure(core::Table table, std::FILE* file, const AvroReadOptions& options) {
  AvroFileBytes bytes(file);
  const AvroHeader header = ReadAvroHeader(bytes);
  CheckAvroSchemaJson(table, header.schema_json);
  const AvroBlockCounts counts = ScanAvroBlocks(bytes, header);
  if (counts.records != *header.rows) {
    throw core::Error(core::ErrorCode::kUnprocessable, "the backup file is incomplete or altered: its header records " +
                                                           std::to_string(*header.rows) + " rows, its " +
                                                           std::to_string(counts.blocks) + " blocks hold " +
                                                           std::to_string(counts.records));
  }
  AvroFileSummary summary{counts.records, bytes.size(), bytes.FinishSha256()};
  if (!options.expected_sha256_hex.empty() && summary.sha256_hex != options.expected_sha256_hex) {
    throw core::Error(core::ErrorCode::kUnprocessable, "the backup file's SHA-256 is " + summary.sha256_hex +
                                                           ", not the " + options.expected_sha256_hex +
                                                           " recorded when it was written: it was altered or damaged");
  }
  return summary;
}

// One decoded record as a Row. The caller holds avro-c's lock.
core::Row ToRow(core::Table table, avro_value_t* record, uint64_t number) {
  core::Row row;
  const core::TableSchema& schema = core::SchemaOf(table);
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const core::Column& column = schema.columns[i];
    avro_value_t field;
    int rc = avro_value_get_by_index(record, i, &field, nullptr);
    if (rc == 0) {
      switch (column.kind) {
        case core::ColumnKind::kId: rc = avro_value_get_int(&field, &row.id); break;
        case core::ColumnKind::kDatetime: rc = avro_value_get_long(&field, &row.datetime_us); break;
        case core::ColumnKind::kReference:
          rc = avro_value_get_int(&field, &(row.*AvroReferenceMember(column.name)));
          break;
        case core::ColumnKind::kText: {
          const char* text = nullptr;
          size_t size = 0;  // counts avro-c's terminating NUL
          rc = avro_value_get_string(&field, &text, &size);
          if (rc == 0 && text != nullptr && size > 0) row.text.assign(text, size - 1);
          break;
        }
      }
    }
    if (rc != 0) {
      avro_c::Throw(core::ErrorCode::kUnprocessable, "the backup file is corrupted: field " + std::string(column.name) +
                                                         " of record " + std::to_string(number) + " cannot be read");
    }
  }
  return row;
}

}  // namespace

AvroFileSummary ReadAvroBackup(core::Table table, const std::filesystem::path& file,
                               const std::function<void(const core::Row&)>& sink, const AvroReadOptions& options) {
  // One open file for both passes: pass 2 reads the very bytes pass 1 checked, even if the path is
  // replaced in between.
  File handle(std::fopen(file.c_str(), "rb"));
  if (!handle) {
    throw core::Error(core::ErrorCode::kInternal,
                      "cannot open the backup file " + file.string() + ": " +
                          std::strerror(errno));  // NOLINT(concurrency-mt-unsafe): glibc's is
  }
  AvroFileSummary summary = CheckStructure(table, handle.get(), options);
  // Nothing to decode (avro-c would look for a first block past the end of the file).
  if (summary.rows == 0) return summary;

  if (std::fseek(handle.get(), 0, SEEK_SET) != 0) {
    throw core::Error(core::ErrorCode::kInternal, "cannot rewind the backup file " + file.string());
  }
  const avro_c::Schema schema(AvroSchemaJson(table));
  const avro_c::ValueClass value_class(schema);
  avro_c::Value value(value_class);
  Reader reader;
  {
    const auto lock = avro_c::Lock();
    avro_file_reader_t raw = nullptr;
    if (avro_file_reader_fp(handle.get(), file.c_str(), /*should_close=*/0, &raw) != 0) {
      avro_c::Throw(core::ErrorCode::kUnprocessable, "avro-c cannot read the backup file's first block");
    }
    reader.reset(raw);
    // Pass 1 compared the header's JSON with ours; this is avro-c's view of the same (sans logical
    // types), a guard against the two parsers disagreeing. avro-c 1.11.1 hands out a new reference
    // here (not documented; found by LeakSanitizer), released at once.
    avro_schema_t writer_schema = avro_file_reader_get_writer_schema(reader.get());
    const bool same = writer_schema != nullptr && avro_schema_equal(writer_schema, schema.get()) != 0;
    avro_schema_decref(writer_schema);
    if (!same) throw core::Error(core::ErrorCode::kUnprocessable, "avro-c reads the backup file's schema differently");
  }
  // Exactly the checked number of records: avro-c's "end of file" is not distinguishable from an
  // error, so it is never asked for one record more.
  for (uint64_t number = 1; number <= summary.rows; ++number) {
    core::Row row;
    {
      const auto lock = avro_c::Lock();
      if (avro_file_reader_read_value(reader.get(), value.get()) != 0) {
        avro_c::Throw(core::ErrorCode::kUnprocessable,
                      "the backup file is corrupted: record " + std::to_string(number) + " cannot be decoded");
      }
      row = ToRow(table, value.get(), number);
    }
    sink(row);
  }
  return summary;
}

}  // namespace migration::backup
