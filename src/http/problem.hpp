#pragma once
// RFC 9457 problem details: the one shape of every error response.

#include <nlohmann/json_fwd.hpp>

#include <exception>
#include <string>

#include "core/error.hpp"
#include "http/request.hpp"

namespace migration::http {

int HttpStatusFor(core::ErrorCode code);
std::string_view ReasonPhrase(int status);

// {"type","title","status","detail","instance"} plus `extra` members merged in (e.g. a load's
// counts), as application/problem+json. 503 responses carry Retry-After.
Response Problem(core::ErrorCode code, const std::string& detail, const std::string& instance);
Response Problem(core::ErrorCode code, const std::string& detail, const std::string& instance,
                 const nlohmann::json& extra);

// The answer to a handler's exception: a core::Error keeps its code and detail; anything else is
// a 500 that names only the request id to look for, and is logged with what it was.
Response ProblemFromException(const std::exception_ptr& error, const Request& request);

}  // namespace migration::http
