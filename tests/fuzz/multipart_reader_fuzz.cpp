// fuzz-sources: src/http/body/multipart_reader.cpp src/core/text.cpp
//
// libFuzzer target for the streaming multipart/form-data reader (src/http/body/multipart_reader.hpp)
// and BoundaryFromContentType. Built and run by scripts/run-fuzzers.sh, which reads the line above
// to know which sources to link.
//
// Input layout: the first byte picks the boundary. Below 0x80 its low bits choose one of a few
// fixed boundaries and the rest of the input is the body; from 0x80 up the input's first line is
// a Content-Type value, BoundaryFromContentType() gives the boundary (the input is skipped if it
// gives none), and the rest after that line is the body. The body is read once in a single chunk,
// again in chunks whose sizes come from a generator seeded by a hash of the input (deterministic,
// so a crasher replays), and once a byte at a time; any difference (parts, headers, content, error
// and its byte offset), or any broken invariant of the contract, aborts.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/body/multipart_reader.hpp"

namespace {

using migration::http::BoundaryFromContentType;
using migration::http::MultipartReader;
using migration::http::PartHeaders;

// abort() (not assert) so the check stays in every build mode and libFuzzer records a crash.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string content;
  bool ended = false;

  bool operator==(const Part&) const = default;
};

struct Outcome {
  std::vector<Part> parts;
  std::optional<std::string> error;
  uint64_t bytes_consumed = 0;

  bool operator==(const Outcome&) const = default;
};

// Reads `body` in chunks of the sizes `next_chunk` returns (at least 0, at most what is left).
template <typename NextChunk>
Outcome ReadInChunks(std::string_view body, const std::string& boundary, NextChunk next_chunk) {
  Outcome outcome;
  bool in_part = false;
  MultipartReader reader(
      boundary,
      MultipartReader::Callbacks{[&](const PartHeaders& headers) {
                                   FUZZ_CHECK(!in_part);
                                   in_part = true;
                                   outcome.parts.push_back(Part{headers.name, headers.filename, headers.content_type});
                                 },
                                 [&](std::string_view data) {
                                   FUZZ_CHECK(in_part);
                                   outcome.parts.back().content.append(data);
                                 },
                                 [&] {
                                   FUZZ_CHECK(in_part);
                                   in_part = false;
                                   outcome.parts.back().ended = true;
                                 }});
  try {
    while (!body.empty()) {
      const size_t size = std::min(next_chunk(), body.size());
      reader.Feed(body.substr(0, size));
      body.remove_prefix(size);
    }
    reader.Finish();
    outcome.bytes_consumed = reader.bytes_consumed();
    FUZZ_CHECK(!in_part);
  } catch (const migration::core::Error& error) {
    FUZZ_CHECK(error.code() == migration::core::ErrorCode::kBadRequest);
    outcome.error = error.detail();
  }
  return outcome;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t hash = 1469598103934665603ULL;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

void CheckOutcome(std::string_view body, const std::string& boundary, const Outcome& outcome) {
  const std::string delimiter = "\r\n--" + boundary;
  uint64_t content_bytes = 0;
  for (const Part& part : outcome.parts) {
    // Content is the body's own bytes, never holds a delimiter, and only the last part may be
    // left open (by an error).
    FUZZ_CHECK(body.find(part.content) != std::string_view::npos);
    FUZZ_CHECK(part.content.find(delimiter) == std::string::npos);
    FUZZ_CHECK(part.ended || (&part == &outcome.parts.back() && outcome.error));
    content_bytes += part.content.size();
  }
  FUZZ_CHECK(content_bytes <= body.size());
  if (outcome.error) {
    // "malformed multipart/form-data body at byte N: ...", N within the body.
    constexpr std::string_view kPrefix = "malformed multipart/form-data body at byte ";
    FUZZ_CHECK(outcome.error->rfind(kPrefix, 0) == 0);
    const uint64_t offset = std::strtoull(outcome.error->c_str() + kPrefix.size(), nullptr, 10);
    FUZZ_CHECK(offset <= body.size());
  } else {
    FUZZ_CHECK(outcome.bytes_consumed == body.size());
    FUZZ_CHECK(("\r\n" + std::string(body)).find(delimiter) != std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string boundary;
  if (data[0] < 0x80) {
    static const char* const kBoundaries[] = {"b", "b0undary", "----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                              "a b'()+_,-./:=?z"};
    boundary = kBoundaries[data[0] & 3];
  } else {
    const size_t eol = std::min(input.find('\n'), input.size());
    const std::optional<std::string> parsed = BoundaryFromContentType(input.substr(0, eol));
    if (!parsed) return 0;
    FUZZ_CHECK(!parsed->empty() && parsed->size() <= 70 && parsed->back() != ' ');
    FUZZ_CHECK(std::all_of(parsed->begin(), parsed->end(), [](char c) { return c >= ' ' && c <= '~'; }));
    boundary = *parsed;
    input.remove_prefix(std::min(eol + 1, input.size()));
  }

  const Outcome whole = ReadInChunks(input, boundary, [&input] { return input.size(); });
  CheckOutcome(input, boundary, whole);

  uint64_t state = Fnv1a(input) | 1;  // xorshift64: any nonzero seed
  const Outcome random_chunks = ReadInChunks(input, boundary, [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    // Mostly tiny chunks, where boundaries fall inside every construct; sometimes empty or large ones.
    const uint64_t kind = state % 16;
    return static_cast<size_t>(kind == 0 ? 0 : kind < 12 ? 1 + (state >> 8) % 4 : (state >> 8) % 64);
  });
  FUZZ_CHECK(random_chunks == whole);

  const Outcome byte_by_byte = ReadInChunks(input, boundary, [] { return size_t{1}; });
  FUZZ_CHECK(byte_by_byte == whole);
  return 0;
}
