#include "imports/upload_event.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace migration::imports {
namespace {

const nlohmann::json* Member(const nlohmann::json& object, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &object;
  for (const char* name : path) {
    if (!at->is_object()) return nullptr;
    const auto found = at->find(name);
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return at;
}

std::optional<std::string> StringAt(const nlohmann::json& object, std::initializer_list<const char*> path) {
  const nlohmann::json* value = Member(object, path);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// S3 event notifications encode keys as a form would ("a b.csv" -> "a+b.csv").
std::string FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 && HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool IsDigits(std::string_view text, size_t count) {
  if (text.size() != count) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<CreatedObject>> CreatedObjectsOf(std::string_view body) {
  const nlohmann::json event = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) return std::nullopt;
  std::vector<CreatedObject> created;
  if (StringAt(event, {"source"}) == "aws.s3" && Member(event, {"detail"}) != nullptr) {
    if (StringAt(event, {"detail-type"}) != "Object Created") return created;
    auto bucket = StringAt(event, {"detail", "bucket", "name"});
    auto key = StringAt(event, {"detail", "object", "key"});
    if (!bucket || !key || bucket->empty() || key->empty()) return std::nullopt;
    created.push_back({std::move(*bucket), std::move(*key)});
    return created;
  }
  const nlohmann::json* records = Member(event, {"Records"});
  if (records == nullptr) {
    // S3's test event, sent once when a bucket's notification is configured.
    if (StringAt(event, {"Event"}) == "s3:TestEvent") return created;
    return std::nullopt;
  }
  if (!records->is_array()) return std::nullopt;
  for (const auto& record : *records) {
    const auto name = StringAt(record, {"eventName"});
    if (!name) return std::nullopt;
    if (!name->starts_with("ObjectCreated:")) continue;
    auto bucket = StringAt(record, {"s3", "bucket", "name"});
    const auto key = StringAt(record, {"s3", "object", "key"});
    if (!bucket || !key || bucket->empty() || key->empty()) return std::nullopt;
    created.push_back({std::move(*bucket), FormDecode(*key)});
  }
  return created;
}

std::optional<int64_t> DirectUploadImportId(std::string_view key) {
  // From the end: import-<id>.csv, DD, MM, YYYY, <table>, "uploads".
  constexpr std::string_view kPrefix = "import-";
  constexpr std::string_view kSuffix = ".csv";
  std::vector<std::string_view> parts;
  std::string_view rest = key;
  while (parts.size() < 6) {
    const size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) {
      parts.push_back(rest);  // "uploads" at the very start: a store without a prefix
      break;
    }
    parts.push_back(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (parts.size() < 6) return std::nullopt;
  const std::string_view file = parts[0];
  if (!IsDigits(parts[1], 2) || !IsDigits(parts[2], 2) || !IsDigits(parts[3], 4) || parts[4].empty() ||
      parts[5] != "uploads" || !file.starts_with(kPrefix) || !file.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = file.substr(kPrefix.size(), file.size() - kPrefix.size() - kSuffix.size());
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace migration::imports
