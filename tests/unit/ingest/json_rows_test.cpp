// The JSON batch parser on its own: what it hands to its sink, and how it refuses a body. (Through
// a Load into a database: load_test.cpp; under libFuzzer: tests/fuzz/json_rows_fuzz.cpp.)

#include "ingest/json_rows.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace migration::ingest {
namespace {

struct Handed {
  int64_t index;
  std::string raw;
  std::vector<std::optional<std::string>> fields;  // records
  std::vector<std::string> codes;                   // rejects
};

class RecordingSink final : public JsonRowSink {
 public:
  void AddRecord(std::span<const std::optional<std::string_view>> fields, int64_t index,
                 std::string_view raw) override {
    Handed handed{index, std::string(raw), {}, {}};
    for (const auto& field : fields) handed.fields.push_back(field ? std::optional<std::string>(*field) : std::nullopt);
    all.push_back(std::move(handed));
  }
  void AddReject(int64_t index, std::string_view raw, std::vector<FieldError> errors) override {
    Handed handed{index, std::string(raw), {}, {}};
    for (const auto& error : errors) handed.codes.push_back(error.code);
    all.push_back(std::move(handed));
  }
  std::vector<Handed> all;
};

core::ErrorCode CodeOf(std::string_view body) {
  try {
    JsonRows rows(body);
  } catch (const core::Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "accepted: " << body;
  return core::ErrorCode::kInternal;
}

TEST(JsonRowsTest, HandsEveryElementOverInOrderAsARecordOrAReject) {
  const JsonRows rows(R"({"rows": [{"id": 7, "job": "Engineer"}, 3, {"id": "8", "job": null}, {"id": 9, "x": 1}]})");
  ASSERT_EQ(rows.size(), 4u);
  RecordingSink sink;
  rows.FeedTo(sink, core::Table::kJobs);
  ASSERT_EQ(sink.all.size(), 4u);
  for (size_t i = 0; i < sink.all.size(); ++i) EXPECT_EQ(sink.all[i].index, static_cast<int64_t>(i));
  EXPECT_EQ(sink.all[0].raw, R"({"id":7,"job":"Engineer"})");
  EXPECT_EQ(sink.all[0].fields, (std::vector<std::optional<std::string>>{"7", "Engineer"}));
  EXPECT_EQ(sink.all[1].codes, std::vector<std::string>{"not_an_object"});
  EXPECT_EQ(sink.all[2].fields, (std::vector<std::optional<std::string>>{"8", std::nullopt}));
  EXPECT_EQ(sink.all[3].codes, std::vector<std::string>{"unexpected_field"});
}

// Found by fuzzing: nlohmann (which names the position of the error) throws out_of_range, not
// parse_error, for a number no double holds; it escaped as a 500 instead of a 400.
TEST(JsonRowsTest, ANumberTooLargeForADoubleIsABadRequest) {
  EXPECT_EQ(CodeOf(R"([{"id": 1e400, "department": "Sales"}])"), core::ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(R"([{"id": 1e18446744073709551615}])"), core::ErrorCode::kBadRequest);
}

TEST(JsonRowsTest, BodiesThatAreNotABatchAreBadRequests) {
  EXPECT_EQ(CodeOf(""), core::ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf("42"), core::ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(R"({"items": []})"), core::ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(R"([{"id": 1,}])"), core::ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf("[\"\xff\"]"), core::ErrorCode::kBadRequest);  // not UTF-8
}

}  // namespace
}  // namespace migration::ingest
