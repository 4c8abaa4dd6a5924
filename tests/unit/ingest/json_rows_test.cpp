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
  std::vector<std::string> codes;                  // rejects
};

class RecordingSink final : public RecordSink {
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

// A row with a million unknown keys used to become one reject with a million errors (~120 MB of
// JSON in the rejects table, the log and the response). A row keeps its first ten, and a count.
TEST(JsonRowsTest, AnObjectWithCountlessUnknownKeysKeepsABoundedErrorList) {
  std::string body = R"([{"id": 1, "job": "Engineer")";
  for (int i = 0; i < 100000; ++i) body += ",\"x" + std::to_string(i) + "\":1";
  body += "}]";
  const JsonRows rows(body);
  struct Sink final : RecordSink {
    void AddRecord(std::span<const std::optional<std::string_view>>, int64_t, std::string_view) override { ++records; }
    void AddReject(int64_t, std::string_view, std::vector<FieldError> errors) override { all = std::move(errors); }
    int records = 0;
    std::vector<FieldError> all;
  } sink;
  rows.FeedTo(sink, core::Table::kJobs);
  EXPECT_EQ(sink.records, 0);
  ASSERT_EQ(sink.all.size(), kMaxErrorsPerRow + 1);
  EXPECT_EQ(sink.all[0].code, "unexpected_field");
  EXPECT_EQ(sink.all.back().code, "too_many_errors");
  EXPECT_NE(sink.all.back().message.find("99990 more errors"), std::string::npos) << sink.all.back().message;
}

TEST(JsonRowsTest, AnUnknownKeyIsQuotedToABoundInItsError) {
  const std::string key(1 << 20, 'k');
  const JsonRows rows("[{\"id\": 1, \"job\": \"E\", \"" + key + "\": 1}]");
  struct Sink final : RecordSink {
    void AddRecord(std::span<const std::optional<std::string_view>>, int64_t, std::string_view) override {}
    void AddReject(int64_t, std::string_view, std::vector<FieldError> errors) override { all = std::move(errors); }
    std::vector<FieldError> all;
  } sink;
  rows.FeedTo(sink, core::Table::kJobs);
  ASSERT_EQ(sink.all.size(), 1u);
  EXPECT_LT(sink.all[0].field.size(), 100u);
  EXPECT_LT(sink.all[0].message.size(), 200u);
}

// JSON leaves duplicate names undefined; taking the last one would drop a value without a word.
TEST(JsonRowsTest, AColumnGivenTwiceIsARowError) {
  const JsonRows rows(R"([{"id": 1, "job": "A", "job": "B"}, {"id": 2, "job": "C"}])");
  RecordingSink sink;
  rows.FeedTo(sink, core::Table::kJobs);
  ASSERT_EQ(sink.all.size(), 2u);
  EXPECT_EQ(sink.all[0].codes, std::vector<std::string>{"duplicate_field"});
  EXPECT_EQ(sink.all[1].fields, (std::vector<std::optional<std::string>>{"2", "C"}));
}

// 4M '[' used to be refused by simdjson and then re-parsed whole by nlohmann to name the position
// (~350 MiB). Nesting past 16 levels is refused at once, and the message says so.
TEST(JsonRowsTest, DeepNestingIsABadRequestNamingTheLimit) {
  for (const size_t depth : {17ul, 1000ul, 4000000ul}) {
    const std::string body = std::string(depth, '[') + std::string(depth, ']');
    try {
      JsonRows rows(body);
      FAIL() << "nesting " << depth << " deep was accepted";
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
      EXPECT_NE(error.detail().find("nested deeper than 16 levels"), std::string::npos) << error.detail();
    }
  }
  // Unbalanced: the position of the error comes from a pass that stops at the same depth.
  try {
    JsonRows rows(std::string(100000, '['));
    FAIL() << "accepted";
  } catch (const core::Error& error) {
    EXPECT_NE(error.detail().find("nested deeper than 16 levels"), std::string::npos) << error.detail();
  }
  EXPECT_NO_THROW(JsonRows(R"({"rows": [{"id": 1, "job": "A"}]})"));
}

}  // namespace
}  // namespace migration::ingest
