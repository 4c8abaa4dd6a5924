#include "api/import_request.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "api/query_params.hpp"
#include "core/error.hpp"
#include "ingest/csv_input.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kOptionFields[] = {"header", "on_conflict", "dry_run"};

}  // namespace

std::string StringField(const nlohmann::json& body, const char* name, const std::string& fallback) {
  if (!body.contains(name)) return fallback;
  if (!body[name].is_string()) throw Error(ErrorCode::kBadRequest, fmt::format("\"{}\" must be a string", name));
  return body[name].get<std::string>();
}

nlohmann::json ImportRequestBody(const http::Request& request, std::string_view example,
                                 std::initializer_list<std::string_view> fields) {
  if (request.MediaType() != "application/json") {
    throw Error(ErrorCode::kUnsupportedMediaType, fmt::format("send {} as application/json", example));
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) throw Error(ErrorCode::kBadRequest, "the body must be a JSON object");
  for (const auto& item : body.items()) {
    const std::string& name = item.key();
    const auto known = [&name](std::string_view field) { return name == field; };
    if (std::ranges::any_of(fields, known) || std::ranges::any_of(kOptionFields, known)) continue;
    std::string accepted;
    for (const std::string_view field : fields) accepted += std::string(field) + ", ";
    throw Error(ErrorCode::kBadRequest, fmt::format("unknown field \"{}\" (accepted: {}header, on_conflict, dry_run)",
                                                    name.substr(0, 64), accepted));
  }
  return body;
}

ImportOptions ImportOptionsOf(const nlohmann::json& body, const http::Request& request) {
  ImportOptions options;
  options.header = StringField(body, "header", "auto");
  if (!ingest::HeaderModeFromName(options.header)) {
    throw Error(ErrorCode::kBadRequest, "\"header\" must be auto, present or absent");
  }
  const auto on_conflict = db::OnConflictFromName(StringField(body, "on_conflict", "reject"));
  if (!on_conflict) throw Error(ErrorCode::kBadRequest, "\"on_conflict\" must be reject, update or skip");
  options.on_conflict = *on_conflict;
  if (body.contains("dry_run") && !body["dry_run"].is_boolean()) {
    throw Error(ErrorCode::kBadRequest, "\"dry_run\" must be true or false");
  }
  options.dry_run = body.value("dry_run", false) || BoolParam(request, "dry_run", false);
  return options;
}

}  // namespace migration::api
