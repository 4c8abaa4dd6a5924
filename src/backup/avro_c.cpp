#include "backup/avro_c.hpp"

#include <cstdlib>

namespace migration::backup::avro_c {
namespace {

std::recursive_mutex& Mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// avro-c allocates what a file's length fields say (a string's length inside a block, a block's
// decompressed size) before it knows the bytes are there, and leaks the buffer when they are not.
// Refusing single allocations above this makes such a file fail cleanly (ENOMEM, reported as a
// corrupted record) instead of reserving gigabytes. Our largest legitimate allocation is a
// compressed block as read from the file (at most kAvroMaxBlockBytes, checked before avro-c reads
// it) or a writer's block buffer (AvroWriterOptions::block_bytes).
constexpr size_t kMaxAllocationBytes = size_t{80} << 20;

void* CappedAllocator(void* /*user_data*/, void* pointer, size_t /*old_size*/, size_t new_size) {
  if (new_size == 0) {
    std::free(pointer);  // NOLINT(cppcoreguidelines-no-malloc): avro-c's allocator contract
    return nullptr;
  }
  if (new_size > kMaxAllocationBytes) return nullptr;
  return std::realloc(pointer, new_size);  // NOLINT(cppcoreguidelines-no-malloc): avro-c's allocator contract
}

}  // namespace

std::unique_lock<std::recursive_mutex> Lock() {
  // Installed before our first avro-c call. Memory avro-c got from its default allocator (realloc
  // and free as well) stays compatible.
  static std::once_flag allocator_installed;
  std::call_once(allocator_installed, [] { avro_set_allocator(CappedAllocator, nullptr); });
  return std::unique_lock<std::recursive_mutex>(Mutex());
}

std::string LastError() {
  const char* message = avro_strerror();
  std::string text = message != nullptr ? message : "";
  // avro-c ends some messages with a newline.
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

void Throw(core::ErrorCode code, std::string_view what) {
  std::string detail(what);
  const std::string avro_message = LastError();
  if (!avro_message.empty()) detail += " (avro-c: " + avro_message + ")";
  throw core::Error(code, detail);
}

Schema::Schema(std::string_view json) {
  const auto lock = Lock();
  if (avro_schema_from_json_length(json.data(), json.size(), &schema_) != 0) {
    schema_ = nullptr;
    Throw(core::ErrorCode::kInternal, "avro-c refused a backup schema");
  }
}

Schema::~Schema() {
  const auto lock = Lock();
  avro_schema_decref(schema_);
}

ValueClass::ValueClass(const Schema& schema) {
  const auto lock = Lock();
  iface_ = avro_generic_class_from_schema(schema.get());
  if (iface_ == nullptr) Throw(core::ErrorCode::kInternal, "avro-c cannot build a value class for a backup schema");
}

ValueClass::~ValueClass() {
  const auto lock = Lock();
  avro_value_iface_decref(iface_);
}

Value::Value(const ValueClass& value_class) {
  const auto lock = Lock();
  if (avro_generic_value_new(value_class.get(), &value_) != 0) {
    Throw(core::ErrorCode::kInternal, "avro-c cannot allocate a record value");
  }
}

Value::~Value() {
  const auto lock = Lock();
  avro_value_decref(&value_);
}

}  // namespace migration::backup::avro_c
