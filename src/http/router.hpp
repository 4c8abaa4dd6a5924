#pragma once
// Routes: method + path pattern ("/v1/{table}/upload") → handler. Two kinds of handler:
//  - buffered: the body (up to the route's limit) is read first, then Handle() runs on a worker;
//  - streaming: Start() runs on a worker after the headers, then the body's chunks are handed to
//    the returned BodyConsumer one after another (on workers), then Finish() builds the response.
// Handlers run on worker threads and may block (database, storage); the I/O threads never do.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace migration::http {

class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  virtual void Consume(std::string_view chunk) = 0;
  virtual Response Finish() = 0;
  // The body will not complete (client gone, timeout, server stopping): undo everything.
  virtual void Abort(const std::string& reason) = 0;
};

using BufferedHandler = std::function<Response(Request&)>;
using StreamingHandler = std::function<std::unique_ptr<BodyConsumer>(Request&)>;

struct Route {
  std::string method;
  std::string pattern;       // "/v1/{table}/{id}": {name} matches one non-empty segment
  uint64_t body_limit = 0;   // bytes; requests over it get 413 (streaming: UINT64_MAX = any size)
  BufferedHandler buffered;  // exactly one of the two is set
  StreamingHandler streaming;
  std::string name;  // stable route name for logs and metrics, e.g. "POST /v1/{table}/upload"
  // The query parameters it takes. Any other is refused (400) before the body is read: a typo
  // (`?onconflict=`) or a parameter this version does not know must not be silently ignored.
  std::vector<std::string> query;
};

// The first query parameter of `request` that `route` does not take (nullopt: none).
std::optional<std::string> UnknownQueryParameter(const Request& request, const Route& route);
// A parameter of `route` that `request` gives more than once (nullopt: none). Which of the two a
// client meant (?on_conflict=reject&on_conflict=update) is not guessed: refused like an unknown one.
// Call after UnknownQueryParameter: every name is then one of the route's few.
std::optional<std::string> RepeatedQueryParameter(const Request& request, const Route& route);

class Router {
 public:
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool path_matched = false;  // some route has this path (so a wrong method is 405, not 404)
  };
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace migration::http
