#pragma once
// The only file that exposes avro-c (libavro-dev 1.11.1) to the rest of src/backup: RAII owners of
// its schema, value class and value handles, and the lock every avro-c call is made under.
//
// Thread safety: avro-c keeps the text of its last error in one process-wide static buffer
// (avro_set_error/avro_strerror; the Debian build has no thread-local storage), and even a
// successful call may overwrite it. Backups and restores run on several worker threads at once, so
// every avro-c call, and the reading of its error text, happens under Lock(); no avro-c object is
// shared between threads. The lock is held for one call (one record) at a time, never across a
// sink or other I/O of ours, so concurrent backups interleave instead of waiting for each other.
// It is recursive so that an owner destroyed while unwinding inside a locked section cannot
// deadlock.
//
// Process-wide side effect: the first Lock() installs an avro-c allocator (avro_set_allocator) that
// refuses single allocations above 80 MiB, so that a corrupted length in a file fails cleanly
// instead of reserving gigabytes (avro_c.cpp says why). Nothing else in the process uses avro-c.

#include <avro.h>

#include <mutex>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace migration::backup::avro_c {

[[nodiscard]] std::unique_lock<std::recursive_mutex> Lock();

// avro-c's last error message (empty when it has none). The caller holds Lock().
std::string LastError();

// Throws core::Error(code, "<what>: <avro-c's message>"). The caller holds Lock().
[[noreturn]] void Throw(core::ErrorCode code, std::string_view what);

// A parsed schema (avro_schema_t). Note that avro-c drops "logicalType" attributes while parsing:
// it is fine for encoding and decoding (timestamp-micros is a long), not for writing a header.
class Schema {
 public:
  explicit Schema(std::string_view json);
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;
  avro_schema_t get() const { return schema_; }

 private:
  avro_schema_t schema_ = nullptr;
};

// The generic value implementation of one schema (avro_value_iface_t).
class ValueClass {
 public:
  explicit ValueClass(const Schema& schema);
  ~ValueClass();
  ValueClass(const ValueClass&) = delete;
  ValueClass& operator=(const ValueClass&) = delete;
  avro_value_iface_t* get() const { return iface_; }

 private:
  avro_value_iface_t* iface_ = nullptr;
};

// One reusable record value (avro_value_t) of a ValueClass, which must outlive it.
class Value {
 public:
  explicit Value(const ValueClass& value_class);
  ~Value();
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  avro_value_t* get() { return &value_; }

 private:
  avro_value_t value_{};
};

}  // namespace migration::backup::avro_c
