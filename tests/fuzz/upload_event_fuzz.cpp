// fuzz-sources: src/imports/upload_event.cpp
//
// libFuzzer target for what the upload events consumer reads off its SQS queue
// (src/imports/upload_event.hpp): anyone allowed to send to the queue writes its messages. Built
// and run by scripts/run-fuzzers.sh, which reads the line above to know which sources to link.
//
// The input is a message body, and also a key. Neither function throws. Every object named has a
// non-empty bucket and key. A key whose import id is read ends in "/import-<that id>.csv", lies
// under an "uploads" folder, and the id is positive.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imports/upload_event.hpp"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto objects = migration::imports::CreatedObjectsOf(input);
  if (objects) {
    for (const auto& object : *objects) Check(!object.bucket.empty() && !object.key.empty());
  }
  const auto id = migration::imports::DirectUploadImportId(input);
  if (id) {
    Check(*id > 0);
    // The file name is import-<digits>.csv whose number is the id (leading zeros the one way the
    // text and the number may differ).
    Check(input.ends_with(".csv"));
    const size_t name = input.rfind("/import-");
    Check(name != std::string_view::npos);
    const std::string_view digits = input.substr(name + 8, input.size() - name - 8 - 4);
    Check(!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos);
    Check(std::stoll(std::string(digits)) == *id);
    Check(input.starts_with("uploads/") || input.find("/uploads/") != std::string_view::npos);
  }
  return 0;
}
