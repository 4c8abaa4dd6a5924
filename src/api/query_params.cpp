#include "api/query_params.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"

namespace migration::api {

using core::Error;
using core::ErrorCode;

namespace {

bool ParseInt64(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

core::Table TableParam(const http::Request& request) {
  const auto& name = request.PathParam("table");
  const auto table = core::TableFromName(name);
  if (!table) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("unknown table \"{}\"; the tables are departments, jobs and hired_employees", name));
  }
  return *table;
}

db::Page PageParams(const http::Request& request) {
  db::Page page;
  if (const auto limit = request.Query("limit")) {
    int64_t value = 0;
    if (!ParseInt64(*limit, value) || value < 1 || value > 1000) {
      throw Error(ErrorCode::kBadRequest, fmt::format("limit must be an integer from 1 to 1000, got \"{}\"", *limit));
    }
    page.limit = static_cast<int>(value);
  }
  if (const auto after = request.Query("after")) {
    if (!ParseInt64(*after, page.after) || page.after < 0) {
      throw Error(
          ErrorCode::kBadRequest,
          fmt::format(R"(after must be the non-negative integer cursor from a previous page's "next", got "{}")",
                      *after));
    }
  }
  return page;
}

db::OnConflict OnConflictParam(const http::Request& request) {
  const auto value = request.Query("on_conflict");
  if (!value) return db::OnConflict::kReject;
  if (const auto mode = db::OnConflictFromName(*value)) return *mode;
  throw Error(ErrorCode::kBadRequest, fmt::format("on_conflict must be reject, update or skip, got \"{}\"", *value));
}

ingest::HeaderMode HeaderParam(const http::Request& request) {
  const auto value = request.Query("header");
  if (!value) return ingest::HeaderMode::kAuto;
  if (const auto mode = ingest::HeaderModeFromName(*value)) return *mode;
  throw Error(ErrorCode::kBadRequest, fmt::format("header must be auto, present or absent, got \"{}\"", *value));
}

ingest::ExtraColumns ExtraColumnsParam(const http::Request& request) {
  const auto value = request.Query("extra_columns");
  if (!value) return ingest::ExtraColumns::kReject;
  if (const auto mode = ingest::ExtraColumnsFromName(*value)) return *mode;
  throw Error(ErrorCode::kBadRequest, fmt::format("extra_columns must be reject or ignore, got \"{}\"", *value));
}

bool BoolParam(const http::Request& request, std::string_view name, bool fallback) {
  const auto value = request.Query(name);
  if (!value) return fallback;
  if (*value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  throw Error(ErrorCode::kBadRequest, fmt::format("{} must be true or false, got \"{}\"", name, *value));
}

int64_t IdParam(const http::Request& request, const std::string& name) {
  const auto& text = request.PathParam(name);
  int64_t value = 0;
  if (!ParseInt64(text, value) || value < 1) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("{} \"{}\" is not a positive integer, so nothing has it", name, text));
  }
  return value;
}

}  // namespace migration::api
