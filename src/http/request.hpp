#pragma once
// What a handler sees of an HTTP request: no Beast types, so handlers (api/) compile without
// the heavy headers and can be unit-tested without a socket.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migration::http {

struct Request {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // as received: path and query
  std::string path;                                          // percent-decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::map<std::string, std::string> path_params;            // {table}, {id}, ... from the route
  std::optional<uint64_t> content_length;
  std::string body;  // buffered routes only; streaming routes get chunks instead
  std::string request_id;
  std::string remote_address;
  std::string principal;  // the authenticated API key's name (never the key); empty when open

  // First value of a header (name in lower case), or nullopt.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // First value of a query parameter, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
  const std::string& PathParam(const std::string& name) const { return path_params.at(name); }
  // The media type of Content-Type, lower-cased, without parameters ("text/csv").
  std::string MediaType() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static Response Json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}};
  }
};

// Splits and percent-decodes a request target into path and query pairs. Returns false when the
// target is not an origin-form path or has bad percent escapes.
bool ParseTarget(std::string_view target, std::string& path, std::vector<std::pair<std::string, std::string>>& query);

}  // namespace migration::http
