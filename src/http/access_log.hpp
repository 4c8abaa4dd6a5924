#pragma once
// One log line and the metrics of each request the server answers (or refuses at the door).

#include <chrono>
#include <cstdint>
#include <string_view>

#include "http/request.hpp"

namespace migration::http {

// The route name of answers given before any routing (over the connection cap, a malformed or
// oversized head), so an operator sees shed load and abusive clients on the same dashboard.
constexpr std::string_view kRefusedRoute = "refused";
// The route name of a request no route matched.
constexpr std::string_view kUnmatchedRoute = "unmatched";

// `route` is the matched pattern ("POST /v1/{table}/upload"), never the raw path, so the metric
// labels stay a small fixed set. `completed`: the response was written whole.
void LogAccess(const Request& request, std::string_view route, int status, uint64_t bytes_out, bool completed,
               std::chrono::steady_clock::time_point started);

}  // namespace migration::http
