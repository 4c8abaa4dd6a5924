#include "ingest/record_buffer.hpp"

namespace migration::ingest {

void RecordBuffer::AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                             std::string_view raw) {
  Entry entry{{}, position, std::string(raw), std::nullopt};
  entry.fields.reserve(fields.size());
  for (const auto& field : fields) {
    entry.fields.push_back(field ? std::optional<std::string>(*field) : std::nullopt);
  }
  entries_.push_back(std::move(entry));
}

void RecordBuffer::AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) {
  entries_.push_back({{}, position, std::string(raw), std::move(errors)});
}

void RecordBuffer::FeedTo(RecordSink& sink) const {
  std::vector<std::optional<std::string_view>> fields;
  for (const Entry& entry : entries_) {
    if (entry.errors) {
      sink.AddReject(entry.position, entry.raw, *entry.errors);
      continue;
    }
    fields.clear();
    for (const auto& field : entry.fields) {
      fields.push_back(field ? std::optional<std::string_view>(*field) : std::nullopt);
    }
    sink.AddRecord(fields, entry.position, entry.raw);
  }
}

}  // namespace migration::ingest
