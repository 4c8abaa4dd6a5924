#pragma once
// Environment the test servers export (scripts/test-servers.sh): a missing value fails the test
// with the way to provide it, never skips it.

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace migration::testing {

inline std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through scripts/test-servers.sh, which starts moto_server");
  }
  return value;
}

}  // namespace migration::testing
