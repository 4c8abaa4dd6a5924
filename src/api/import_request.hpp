#pragma once
// The JSON body of a request that creates an import job (POST /v1/imports, POST
// /v1/{table}/upload-urls): its fields checked by name, and the load options both take.

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "db/records.hpp"
#include "http/request.hpp"

namespace migration::api {

struct ImportOptions {
  std::string header = "auto";  // auto|present|absent
  db::OnConflict on_conflict = db::OnConflict::kReject;
  bool dry_run = false;  // the field, or ?dry_run=true
};

// The body as a JSON object whose every field is one of `fields` or header, on_conflict, dry_run;
// else 415 (not JSON; `example` shows what to send) or 400 naming the unknown field.
nlohmann::json ImportRequestBody(const http::Request& request, std::string_view example,
                                 std::initializer_list<std::string_view> fields);

// The options of such a body (400 naming the field when one is of the wrong kind).
ImportOptions ImportOptionsOf(const nlohmann::json& body, const http::Request& request);

// A string field, or `fallback` when absent (400 when it is not a string).
std::string StringField(const nlohmann::json& body, const char* name, const std::string& fallback);

}  // namespace migration::api
