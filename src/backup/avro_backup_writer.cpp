#include "backup/avro_backup_writer.hpp"

#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backup/avro_header.hpp"
#include "backup/avro_row_fields.hpp"
#include "backup/avro_schema.hpp"
#include "backup/avro_sha256.hpp"
#include "core/error.hpp"

namespace migration::backup {
namespace {

constexpr std::string_view kCodec = "deflate";

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }  // NOLINT(cert-err33-c): error paths only
};
using File = std::unique_ptr<std::FILE, CloseFile>;

[[noreturn]] void ThrowIo(const std::filesystem::path& file, std::string_view what) {
  throw core::Error(core::ErrorCode::kInternal, std::string(what) + " " + file.string() + ": " +
                                                    std::strerror(errno));  // NOLINT(concurrency-mt-unsafe): glibc's is
}

File Open(const std::filesystem::path& file, const char* mode) {
  File handle(std::fopen(file.c_str(), mode));
  if (!handle) ThrowIo(file, "cannot open the backup file");
  return handle;
}

// fclose() reports the write errors that buffering delayed (a full disk); it must be checked.
void CloseChecked(File handle, const std::filesystem::path& file) {
  if (std::fclose(handle.release()) != 0) ThrowIo(file, "cannot write the backup file");
}

AvroSync RandomSync() {
  // avro-c's own writer seeds rand() with time(): two backups started in the same second would
  // share a marker, and srand() is not thread-safe. OpenSSL's generator has neither problem.
  AvroSync sync{};
  if (RAND_bytes(sync.data(), static_cast<int>(sync.size())) != 1) {
    throw core::Error(core::ErrorCode::kInternal, "cannot draw a random sync marker (OpenSSL)");
  }
  return sync;
}

// Writes the header ourselves: avro-c would drop the schema's logical type (avro_header.hpp).
uint64_t WriteHeader(const std::filesystem::path& file, core::Table table) {
  const AvroHeaderBytes header = EncodeAvroHeader(AvroSchemaJson(table), kCodec, RandomSync());
  File handle = Open(file, "wb");
  if (std::fwrite(header.bytes.data(), 1, header.bytes.size(), handle.get()) != header.bytes.size()) {
    ThrowIo(file, "cannot write the backup file");
  }
  CloseChecked(std::move(handle), file);
  return header.rows_offset;
}

}  // namespace

AvroBackupWriter::AvroBackupWriter(core::Table table, std::filesystem::path file, AvroWriterOptions options)
    : table_(table),
      file_(std::move(file)),
      rows_offset_(WriteHeader(file_, table_)),
      schema_(AvroSchemaJson(table_)),
      value_class_(schema_),
      value_(value_class_) {
  if (options.block_bytes == 0 || options.block_bytes > kAvroMaxWriterBlockBytes) {
    throw core::Error(core::ErrorCode::kInternal,
                      "backup block size out of range: " + std::to_string(options.block_bytes));
  }
  const auto lock = avro_c::Lock();
  // Reads our header back (schema, codec, sync marker) and appends blocks after it.
  if (avro_file_writer_open_bs(file_.c_str(), &writer_, options.block_bytes) != 0) {
    writer_ = nullptr;
    avro_c::Throw(core::ErrorCode::kInternal, "avro-c cannot open the backup file " + file_.string() + " for writing");
  }
}

AvroBackupWriter::~AvroBackupWriter() {
  if (writer_ == nullptr) return;
  // Abandoned: flush what avro-c holds and let go; the header still says "unfinished".
  const auto lock = avro_c::Lock();
  avro_file_writer_close(writer_);
}

void AvroBackupWriter::Add(const core::Row& row) {
  if (writer_ == nullptr) throw core::Error(core::ErrorCode::kInternal, "backup row added after Close()");
  const auto lock = avro_c::Lock();
  avro_value_t* record = value_.get();
  const core::TableSchema& schema = core::SchemaOf(table_);
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const core::Column& column = schema.columns[i];
    avro_value_t field;
    int rc = avro_value_get_by_index(record, i, &field, nullptr);
    if (rc == 0) {
      switch (column.kind) {
        case core::ColumnKind::kId: rc = avro_value_set_int(&field, row.id); break;
        // avro-c counts the terminating NUL in a string's size (c_str() provides it).
        case core::ColumnKind::kText:
          rc = avro_value_set_string_len(&field, row.text.c_str(), row.text.size() + 1);
          break;
        case core::ColumnKind::kDatetime: rc = avro_value_set_long(&field, row.datetime_us); break;
        case core::ColumnKind::kReference:
          rc = avro_value_set_int(&field, row.*AvroReferenceMember(column.name));
          break;
      }
    }
    if (rc != 0)
      avro_c::Throw(core::ErrorCode::kInternal, "cannot set field " + std::string(column.name) + " of a backup row");
  }
  if (avro_file_writer_append_value(writer_, record) != 0) {
    avro_c::Throw(core::ErrorCode::kInternal, "cannot append row " + std::to_string(rows_ + 1) + " to the backup file");
  }
  ++rows_;
}

AvroFileSummary AvroBackupWriter::Close() {
  if (writer_ == nullptr) throw core::Error(core::ErrorCode::kInternal, "backup file closed twice");
  {
    const auto lock = avro_c::Lock();
    const int rc = avro_file_writer_close(writer_);
    writer_ = nullptr;  // closed or not, avro-c's writer is not usable any more
    if (rc != 0) avro_c::Throw(core::ErrorCode::kInternal, "cannot finish the backup file " + file_.string());
  }

  // The row count goes into the space the header reserved for it.
  File handle = Open(file_, "r+b");
  const std::string rows = AvroRowsField(rows_);
  if (std::fseek(handle.get(), static_cast<long>(rows_offset_), SEEK_SET) != 0 ||
      std::fwrite(rows.data(), 1, rows.size(), handle.get()) != rows.size()) {
    ThrowIo(file_, "cannot write the row count into the backup file");
  }
  CloseChecked(std::move(handle), file_);

  // Read back rather than hashed on the way out: avro-c writes the blocks through its own FILE*.
  AvroFileSummary summary;
  summary.rows = rows_;
  AvroSha256 sha256;
  handle = Open(file_, "rb");
  std::vector<char> buffer(64 * 1024);
  size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), handle.get())) > 0) {
    sha256.Update(std::string_view(buffer.data(), read));
    summary.bytes += read;
  }
  if (std::ferror(handle.get()) != 0) ThrowIo(file_, "cannot read back the backup file");
  summary.sha256_hex = sha256.FinishHex();
  return summary;
}

}  // namespace migration::backup
