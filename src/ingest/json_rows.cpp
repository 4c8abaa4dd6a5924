#include "ingest/json_rows.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ingest/row_rules.hpp"

namespace migration::ingest {
namespace {

// Rows are objects of scalars inside an array (inside an object at most): 3 levels. Anything much
// deeper is no batch, and is refused before any row is looked at.
constexpr size_t kMaxDepth = 16;

// Finds where a body simdjson refused goes wrong, for the message (error path only). A SAX pass
// builds nothing and stops at kMaxDepth, so a hostile body (millions of '[') costs no more memory
// here than its own bytes; a DOM re-parse used to cost ~90 bytes per level.
class ErrorLocator final : public nlohmann::json::json_sax_t {
 public:
  std::string message;

  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*size*/) override { return Enter(); }
  bool key(string_t& /*value*/) override { return true; }
  bool end_object() override { return Leave(); }
  bool start_array(std::size_t /*size*/) override { return Enter(); }
  bool end_array() override { return Leave(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::json::exception& e) override {
    // nlohmann's message names the byte position and what it expected there, and quotes at most
    // the last token read, which the SAX lexer keeps short for everything but strings: cut it.
    message = std::string(e.what()).substr(0, 300);
    return false;
  }

 private:
  bool Enter() {
    if (++depth_ <= kMaxDepth) return true;
    message = fmt::format("arrays and objects are nested deeper than {} levels", kMaxDepth);
    return false;
  }
  bool Leave() {
    --depth_;
    return true;
  }
  size_t depth_ = 0;
};

std::string DescribeJsonError(std::string_view body, simdjson::error_code code) {
  if (code == simdjson::DEPTH_ERROR) {
    return fmt::format("the body is not a batch: arrays and objects are nested deeper than {} levels", kMaxDepth);
  }
  ErrorLocator locator;
  try {
    nlohmann::json::sax_parse(body.begin(), body.end(), &locator);
  } catch (const nlohmann::json::exception& e) {
    locator.message = std::string(e.what()).substr(0, 300);
  }
  if (locator.message.empty()) locator.message = simdjson::error_message(code);
  return fmt::format("the body is not valid JSON: {}", locator.message);
}

}  // namespace

struct JsonRows::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::array rows;
};

JsonRows::JsonRows(std::string_view body) : impl_(std::make_unique<Impl>()) {
  simdjson::dom::element root;
  auto error = impl_->parser.allocate(body.size(), kMaxDepth);
  if (!error) error = impl_->parser.parse(body.data(), body.size()).get(root);
  if (error) {
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

void JsonRows::FeedTo(RecordSink& sink, core::Table table) const {
  const auto columns = core::SchemaOf(table).columns;
  std::vector<std::optional<std::string_view>> fields(columns.size());
  std::vector<std::string> number_texts(columns.size());
  std::vector<bool> seen(columns.size());
  int64_t index = 0;
  for (simdjson::dom::element element : impl_->rows) {
    const int64_t position = index++;
    const std::string raw = simdjson::minify(element);
    if (!element.is_object()) {
      sink.AddReject(position, raw, {{"record", "not_an_object", "each row must be a JSON object of column: value"}});
      continue;
    }
    std::fill(fields.begin(), fields.end(), std::nullopt);
    FieldErrorList shape_errors;
    std::fill(seen.begin(), seen.end(), false);
    // Copy the object handle out first: value_unsafe() on a temporary result returns a reference
    // into that temporary, which a range-for would keep using after it is gone.
    const simdjson::dom::object object = element.get_object().value_unsafe();
    for (auto [key, value] : object) {
      size_t column = columns.size();
      for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == key) column = i;
      }
      if (column == columns.size()) {
        // The key is the client's text, of any length: the error shows a bounded, escaped cut.
        const std::string quoted = QuoteValue(key);
        shape_errors.Add({quoted.substr(1, quoted.size() - 2), "unexpected_field",
                          fmt::format("{} is not a column of {}", quoted, core::TableName(table))});
        continue;
      }
      if (seen[column]) {
        // JSON leaves duplicate names undefined (RFC 8259 §4); picking one would drop a value silently.
        shape_errors.Add({std::string(key), "duplicate_field",
                          fmt::format("{} appears more than once in this object; send each column once", key)});
        continue;
      }
      seen[column] = true;
      switch (value.type()) {
        case simdjson::dom::element_type::STRING: fields[column] = value.get_string().value_unsafe(); break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
          // Numbers go through the same text rules as CSV ("1.5" is not an integer).
          number_texts[column] = simdjson::minify(value);
          fields[column] = number_texts[column];
          break;
        case simdjson::dom::element_type::NULL_VALUE: break;  // absent: reported as missing by the rules
        default:
          shape_errors.Add({std::string(key), "wrong_type", fmt::format("{} must be a string or a number", key)});
      }
    }
    if (!shape_errors.empty()) {
      sink.AddReject(position, raw, std::move(shape_errors).Take());
      continue;
    }
    sink.AddRecord(fields, position, raw);
  }
}

}  // namespace migration::ingest
