#include "ingest/record_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace migration::ingest {
namespace {

// Writes what it is handed as text, in order.
struct Transcript final : RecordSink {
  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t position,
                 std::string_view raw) override {
    std::string line = "record " + std::to_string(position) + " [";
    for (const auto& field : fields) line += (field ? "\"" + std::string(*field) + "\"" : "absent") + ",";
    lines.push_back(line + "] " + std::string(raw));
  }
  void AddReject(int64_t position, std::string_view raw, std::vector<FieldError> errors) override {
    lines.push_back("reject " + std::to_string(position) + " " + std::string(raw) + " " + errors.at(0).code);
  }
  std::vector<std::string> lines;
};

TEST(RecordBufferTest, HandsOnCopiesOfRecordsAndRejectsInTheirOrder) {
  RecordBuffer buffer;
  {
    // The views die with this scope: the buffer must hold its own copies.
    std::string first = "1,Sales";
    std::string field = "Sales";
    const std::vector<std::optional<std::string_view>> fields = {std::string_view(first).substr(0, 1), field,
                                                                 std::nullopt};
    buffer.AddRecord(fields, 2, first);
    buffer.AddReject(3, "\"broken", {{"record", "unterminated_quote", "a quoted field never ends"}});
    buffer.AddRecord(std::vector<std::optional<std::string_view>>{std::string_view("")}, 4, "");
    first.assign("XXXXXXX");
    field.assign("XXXXX");
  }
  EXPECT_EQ(buffer.size(), 3U);
  Transcript transcript;
  buffer.FeedTo(transcript);
  EXPECT_EQ(transcript.lines,
            (std::vector<std::string>{R"(record 2 ["1","Sales",absent,] 1,Sales)",
                                      R"(reject 3 "broken unterminated_quote)", R"(record 4 ["",] )"}));
}

}  // namespace
}  // namespace migration::ingest
