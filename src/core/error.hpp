#pragma once
// The one error vocabulary of migration-api. Every layer throws or returns these codes; only
// http/ maps them to statuses (http/problem.cpp). When adding a code, update:
//   ErrorCodeName(), HttpStatusFor() in src/http/problem.cpp, and docs of the API.

#include <stdexcept>
#include <string>
#include <string_view>

namespace migration::core {

enum class ErrorCode {
  // Client errors
  kBadRequest,            // malformed request: bad JSON, bad query parameter, bad multipart
  kUnauthorized,          // no credentials, or credentials that are not valid
  kForbidden,             // valid credentials that do not allow this request
  kNotFound,              // unknown table, id, load or route
  kMethodNotAllowed,      // route exists, method does not
  kPayloadTooLarge,       // batch > 1000 rows or body over the route's limit
  kUnsupportedMediaType,  // content type the route does not take
  kUnprocessable,         // nothing valid in a load, or an atomic batch with an invalid row
  kConflict,              // a write that contradicts stored data (e.g. foreign keys on restore)
  kTooManyRequests,       // the caller's rate limit is spent: retry after Retry-After seconds
  // Server errors
  kUnavailable,  // database (or storage) not reachable right now: retry later
  kInternal,     // a bug or an unexpected failure
};

std::string_view ErrorCodeName(ErrorCode code);

// An error that ends the current operation. `detail` is written for the person who sent the
// request (what went wrong and what to do); it never contains secrets.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string detail) : std::runtime_error(detail), code_(code), detail_(std::move(detail)) {}
  ErrorCode code() const { return code_; }
  const std::string& detail() const { return detail_; }

 private:
  ErrorCode code_;
  std::string detail_;
};

}  // namespace migration::core
