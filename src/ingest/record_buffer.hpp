#pragma once
// Records held in memory, in order, to be handed to a load later: a CSV batch is read once, its
// records counted against the batch limit, and only then loaded. For small inputs only (a batch
// body is at most 8 MiB): it keeps a copy of every record.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ingest/record_sink.hpp"

namespace migration::ingest {

class RecordBuffer final : public RecordSink {
 public:
  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                 std::string_view raw) override;
  void AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) override;

  // Records and rejects held.
  size_t size() const { return entries_.size(); }
  // Hands every record and reject to `sink`, in the order they came.
  void FeedTo(RecordSink& sink) const;

 private:
  struct Entry {
    std::vector<std::optional<std::string>> fields;
    int64_t position = 0;
    std::string raw;
    std::optional<std::vector<FieldError>> errors;  // set: a reject
  };
  std::vector<Entry> entries_;
};

}  // namespace migration::ingest
