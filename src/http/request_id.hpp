#pragma once
// The id of a request (X-Request-Id): the client's when it is short and plain, so traces join up
// across services; else a new random one.

#include <cstddef>
#include <string>
#include <string_view>

namespace migration::http {

constexpr size_t kMaxRequestIdLength = 128;

// 32 lower-case hex digits from a per-thread generator.
std::string NewRequestId();

// 1 to kMaxRequestIdLength characters of [A-Za-z0-9._-]: nothing a log line or header could be
// abused with.
bool AcceptableRequestId(std::string_view id);

}  // namespace migration::http
