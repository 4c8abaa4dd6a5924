#pragma once
// What a handler sees of an HTTP request: no Beast types, so handlers (api/) compile without
// the heavy headers and can be unit-tested without a socket.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/trace_context.hpp"

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
  TraceContext trace;  // from traceparent / X-Amzn-Trace-Id, or new (http/trace_context.hpp)
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

// A body made while it is sent (chunked transfer-encoding), for responses too large to hold: a
// table's export. The session calls Next() on a worker thread (it may read the database), and
// calls it again only once the previous piece is written, so a response holds one piece at a
// time however large it is and however slowly the client reads.
class BodyProducer {
 public:
  // What a piece should stay near: a producer stops adding to it past this (one record over at
  // most), so the memory of a streamed response is this, not the body's size.
  static constexpr size_t kPieceBytes = 256 * 1024;

  virtual ~BodyProducer() = default;
  // Appends the next piece of the body to `piece` (empty on entry); false once the body is
  // complete (then nothing was appended). An exception after the head was sent cannot become a
  // status any more: the connection is closed before the last chunk, so the client sees a
  // truncated body rather than a short one that looks whole.
  virtual bool Next(std::string& piece) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set: the body is streamed from it (and `body` is ignored). Shared so a Response stays copyable.
  std::shared_ptr<BodyProducer> producer = nullptr;

  static Response Json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}};
  }
};

// Splits and percent-decodes a request target into path and query pairs. Returns false when the
// target is not an origin-form path or has bad percent escapes.
bool ParseTarget(std::string_view target, std::string& path, std::vector<std::pair<std::string, std::string>>& query);

}  // namespace migration::http
