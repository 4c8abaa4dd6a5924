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
#include "ingest/record_sink.hpp"

namespace migration::ingest {

class JsonRows {
 public:
  // Throws core::Error(kBadRequest) when `body` is not JSON or not one of the two shapes.
  explicit JsonRows(std::string_view body);
  ~JsonRows();
  JsonRows(const JsonRows&) = delete;
  JsonRows& operator=(const JsonRows&) = delete;

  size_t size() const;
  // Hands every element to `sink` (a Load in the service) as a record (by column name) or as a
  // reject (wrong shape).
  void FeedTo(RecordSink& sink, core::Table table) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace migration::ingest
