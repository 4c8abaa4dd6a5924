// fuzz-sources: src/ingest/json_rows.cpp src/ingest/row_rules.cpp src/ingest/utf8.cpp src/core/table.cpp src/core/time.cpp
// fuzz-libs: simdjson fmt
//
// libFuzzer target for the JSON batch parser (src/ingest/json_rows.hpp). Built and run by
// scripts/run-fuzzers.sh, which reads the lines above to know which sources and libraries to link.
// The parser hands its rows to a RecordSink; here that is a checking stand-in, not a Load, so no
// database is involved.
//
// The input is the request body. Either the constructor refuses it with core::Error(kBadRequest)
// (anything else thrown is a crash), or every element of the batch is handed over exactly once, in
// order, for each of the three tables, and each hand-over agrees with the element itself, read
// again from its `raw` text by a fresh parser:
//   - raw is valid, minified JSON (minifying it again changes nothing);
//   - a record is an object whose keys are all columns of the table and whose values are strings,
//     numbers or null; a present field is the value of a key of that column, an absent one has
//     only null values (or no key);
//   - a record names each column at most once;
//   - a reject carries known codes with a field and a message, at most 10 errors plus one
//     "too_many_errors" count; "not_an_object" exactly when the element is not an object;
//   - the errors of any row stay small (field ≤ 64 bytes, message ≤ 300), whatever its keys hold.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/table.hpp"
#include "ingest/json_rows.hpp"

namespace {

using migration::core::Table;
using migration::ingest::FieldError;
using migration::ingest::JsonRows;
using migration::ingest::RecordSink;

// abort() (not assert) so the check stays in every build mode and libFuzzer records a crash.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

// The text a value stands for in a field: a string's content, a number's minified form.
std::optional<std::string> FieldText(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: return std::string(value.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return simdjson::minify(value);
    default: return std::nullopt;
  }
}

class CheckingSink final : public RecordSink {
 public:
  explicit CheckingSink(Table table) : columns_(migration::core::SchemaOf(table).columns) {}

  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t index,
                 std::string_view raw) override {
    NextIndex(index);
    FUZZ_CHECK(fields.size() == columns_.size());
    simdjson::dom::element element = Reparse(raw);
    FUZZ_CHECK(element.is_object());
    const simdjson::dom::object object = element.get_object().value_unsafe();
    std::set<std::string_view> keys;
    for (auto [key, value] : object) {
      FUZZ_CHECK(ColumnOf(key) < columns_.size());  // a record has no unknown key
      FUZZ_CHECK(keys.insert(key).second);          // nor a column given twice
      const auto type = value.type();
      FUZZ_CHECK(type == simdjson::dom::element_type::STRING || type == simdjson::dom::element_type::INT64 ||
                 type == simdjson::dom::element_type::UINT64 || type == simdjson::dom::element_type::DOUBLE ||
                 type == simdjson::dom::element_type::NULL_VALUE);
    }
    for (size_t column = 0; column < columns_.size(); ++column) {
      bool matched = false;
      bool any_value = false;
      for (auto [key, value] : object) {
        if (key != columns_[column].name) continue;
        const std::optional<std::string> text = FieldText(value);
        any_value = any_value || text.has_value();
        matched = matched || (fields[column] && text && *text == *fields[column]);
      }
      if (fields[column]) {
        FUZZ_CHECK(matched);
      } else {
        FUZZ_CHECK(!any_value);
      }
    }
  }

  void AddReject(int64_t index, std::string_view raw, std::vector<FieldError> errors) override {
    NextIndex(index);
    FUZZ_CHECK(!errors.empty());
    simdjson::dom::element element = Reparse(raw);
    static const std::set<std::string> kCodes = {"not_an_object", "unexpected_field", "wrong_type", "duplicate_field",
                                                 "too_many_errors"};
    FUZZ_CHECK(errors.size() <= migration::ingest::kMaxErrorsPerRow + 1);
    for (size_t i = 0; i < errors.size(); ++i) {
      const FieldError& error = errors[i];
      FUZZ_CHECK(kCodes.contains(error.code));
      FUZZ_CHECK(!error.field.empty() || error.code == "unexpected_field");  // the key "" is unexpected too
      FUZZ_CHECK(!error.message.empty());
      FUZZ_CHECK(error.field.size() <= 64 && error.message.size() <= 300);
      FUZZ_CHECK((error.code == "too_many_errors") == (i == migration::ingest::kMaxErrorsPerRow));
      if (error.code != "too_many_errors") FUZZ_CHECK((error.code == "not_an_object") == !element.is_object());
    }
    if (!element.is_object()) return;
    // The object breaks the shape somewhere: an unknown or repeated key, or a value that is no field.
    bool broken = false;
    std::set<std::string_view> keys;
    // Copy the object handle out first: value_unsafe() of a temporary result is a reference into it.
    const simdjson::dom::object object = element.get_object().value_unsafe();
    for (auto [key, value] : object) {
      const auto type = value.type();
      broken = broken || ColumnOf(key) == columns_.size() || !keys.insert(key).second ||
               !(type == simdjson::dom::element_type::STRING || type == simdjson::dom::element_type::INT64 ||
                 type == simdjson::dom::element_type::UINT64 || type == simdjson::dom::element_type::DOUBLE ||
                 type == simdjson::dom::element_type::NULL_VALUE);
    }
    FUZZ_CHECK(broken);
  }

  int64_t count() const { return next_index_; }

 private:
  void NextIndex(int64_t index) {
    FUZZ_CHECK(index == next_index_);
    ++next_index_;
  }

  size_t ColumnOf(std::string_view key) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == key) return i;
    }
    return columns_.size();
  }

  // raw must parse on its own and be minified already.
  simdjson::dom::element Reparse(std::string_view raw) {
    simdjson::dom::element element;
    FUZZ_CHECK(parser_.parse(raw.data(), raw.size()).get(element) == simdjson::SUCCESS);
    FUZZ_CHECK(simdjson::minify(element) == raw);
    return element;
  }

  std::span<const migration::core::Column> columns_;
  simdjson::dom::parser parser_;
  int64_t next_index_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::optional<JsonRows> rows;
  try {
    rows.emplace(body);
  } catch (const migration::core::Error& e) {
    FUZZ_CHECK(e.code() == migration::core::ErrorCode::kBadRequest);
    FUZZ_CHECK(!e.detail().empty());
    return 0;
  }
  for (const Table table : migration::core::kAllTables) {
    CheckingSink sink(table);
    rows->FeedTo(sink, table);
    FUZZ_CHECK(sink.count() == static_cast<int64_t>(rows->size()));
  }
  return 0;
}
