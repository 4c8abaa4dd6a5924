#pragma once
// Where an input's records go, in order, once a reader has split them: a Load in the service;
// a RecordBuffer for a batch that must be counted before it is loaded; a checking stand-in in the
// fuzzers. The readers (CSV, JSON) depend on nothing else, so they can be fuzzed on their own.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ingest/field_error.hpp"

namespace migration::ingest {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A record's values by column (std::nullopt: absent); `position` is the CSV line or the JSON
  // batch index; `raw` is the record as received (CSV text, or the JSON element minified).
  virtual void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                         std::string_view raw) = 0;
  // A record the reader could not even split into fields (or a JSON element of the wrong shape).
  virtual void AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) = 0;
};

}  // namespace migration::ingest
