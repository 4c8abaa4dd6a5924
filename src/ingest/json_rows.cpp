#include "ingest/json_rows.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace migration::ingest {
namespace {

// simdjson reports what, not where: re-parse with nlohmann (error path only) for the position.
std::string DescribeJsonError(std::string_view body, simdjson::error_code code) {
  try {
    [[maybe_unused]] auto parsed = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    return fmt::format("the body is not valid JSON: {}", e.what());
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range (found by fuzzing;
    // it used to escape as a non-core::Error and turn a 400 into a 500).
    return fmt::format("the body is not valid JSON: {}", e.what());
  }
  return fmt::format("the body is not valid JSON: {}", simdjson::error_message(code));
}

}  // namespace

struct JsonRows::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::array rows;
};

JsonRows::JsonRows(std::string_view body) : impl_(std::make_unique<Impl>()) {
  simdjson::dom::element root;
  if (auto error = impl_->parser.parse(body.data(), body.size()).get(root)) {
    throw core::Error(core::ErrorCode::kBadRequest, DescribeJsonError(body, error));
  }
  constexpr std::string_view kShape = "send a JSON array of row objects, or an object {\"rows\": [...]}";
  if (root.is_array()) {
    impl_->rows = root.get_array().value_unsafe();
  } else if (root.is_object()) {
    simdjson::dom::element rows;
    if (root["rows"].get(rows) != simdjson::SUCCESS || !rows.is_array()) {
      throw core::Error(core::ErrorCode::kBadRequest, fmt::format("the object has no array \"rows\": {}", kShape));
    }
    impl_->rows = rows.get_array().value_unsafe();
  } else {
    throw core::Error(core::ErrorCode::kBadRequest, fmt::format("the body is a JSON scalar: {}", kShape));
  }
}

JsonRows::~JsonRows() = default;

size_t JsonRows::size() const { return impl_->rows.size(); }

void JsonRows::FeedTo(JsonRowSink& sink, core::Table table) const {
  const auto columns = core::SchemaOf(table).columns;
  std::vector<std::optional<std::string_view>> fields(columns.size());
  std::vector<std::string> number_texts(columns.size());
  int64_t index = 0;
  for (simdjson::dom::element element : impl_->rows) {
    const int64_t position = index++;
    const std::string raw = simdjson::minify(element);
    if (!element.is_object()) {
      sink.AddReject(position, raw, {{"record", "not_an_object", "each row must be a JSON object of column: value"}});
      continue;
    }
    std::fill(fields.begin(), fields.end(), std::nullopt);
    std::vector<FieldError> shape_errors;
    // Copy the object handle out first: value_unsafe() on a temporary result returns a reference
    // into that temporary, which a range-for would keep using after it is gone.
    const simdjson::dom::object object = element.get_object().value_unsafe();
    for (auto [key, value] : object) {
      size_t column = columns.size();
      for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == key) column = i;
      }
      if (column == columns.size()) {
        shape_errors.push_back({std::string(key), "unexpected_field",
                                fmt::format("\"{}\" is not a column of {}", key, core::TableName(table))});
        continue;
      }
      switch (value.type()) {
        case simdjson::dom::element_type::STRING:
          fields[column] = value.get_string().value_unsafe();
          break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
          // Numbers go through the same text rules as CSV ("1.5" is not an integer).
          number_texts[column] = simdjson::minify(value);
          fields[column] = number_texts[column];
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          break;  // absent: reported as missing by the rules
        default:
          shape_errors.push_back({std::string(key), "wrong_type",
                                  fmt::format("{} must be a string or a number", key)});
      }
    }
    if (!shape_errors.empty()) {
      sink.AddReject(position, raw, std::move(shape_errors));
      continue;
    }
    sink.AddRecord(fields, position, raw);
  }
}

}  // namespace migration::ingest
