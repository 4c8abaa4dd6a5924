#pragma once
// A JSON batch body: a JSON array of row objects, or {"rows": [...]}. Parsed with simdjson, nested
// at most 16 levels; on malformed JSON the error names the byte position (found by a second,
// building-nothing SAX pass that only runs on the error path).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "ingest/field_error.hpp"
#include "ingest/load.hpp"

namespace migration::ingest {

// Where the elements of a batch go, in order: Load in the service (see FeedTo); the parsing layer
// depends on nothing else, so it can be fuzzed on its own (tests/fuzz/json_rows_fuzz.cpp).
class JsonRowSink {
 public:
  virtual ~JsonRowSink() = default;
  // An object's values by column (std::nullopt: absent or null); `raw` is the element, minified.
  virtual void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t index,
                         std::string_view raw) = 0;
  // An element that is not an object of column: string-or-number.
  virtual void AddReject(int64_t index, std::string_view raw, std::vector<FieldError> errors) = 0;
};

class JsonRows {
 public:
  // Throws core::Error(kBadRequest) when `body` is not JSON or not one of the two shapes.
  explicit JsonRows(std::string_view body);
  ~JsonRows();
  JsonRows(const JsonRows&) = delete;
  JsonRows& operator=(const JsonRows&) = delete;

  size_t size() const;
  // Hands every element to `sink` as a record (by column name) or as a reject (wrong shape).
  void FeedTo(JsonRowSink& sink, core::Table table) const;
  void FeedTo(Load& load, core::Table table) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Inline, so that json_rows.cpp needs nothing of load.cpp.
inline void JsonRows::FeedTo(Load& load, core::Table table) const {
  struct ToLoad final : JsonRowSink {
    explicit ToLoad(Load& l) : load(l) {}
    void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t index,
                   std::string_view raw) override {
      load.AddRecord(fields, index, raw);
    }
    void AddReject(int64_t index, std::string_view raw, std::vector<FieldError> errors) override {
      load.AddReject(index, raw, std::move(errors));
    }
    Load& load;
  } sink(load);
  FeedTo(sink, table);
}

}  // namespace migration::ingest
