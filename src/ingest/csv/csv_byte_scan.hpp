#pragma once
// The reader's inner loops: finding the end of a run of ordinary bytes. They are the hot path of a
// large upload, so they look at whole runs with a table or memchr instead of going through the
// state machine one byte at a time.

#include <array>
#include <cstdint>
#include <cstring>

namespace migration::ingest::csv {

// stops[b] is true for the bytes that end a run inside an unquoted field: the delimiter, the quote
// and LF. CR is not a stop: it is data unless an LF follows, which is checked at the LF.
using UnquotedStops = std::array<bool, 256>;

inline UnquotedStops MakeUnquotedStops(char delimiter) {
  UnquotedStops stops{};
  stops[static_cast<unsigned char>(delimiter)] = true;
  stops[static_cast<unsigned char>('"')] = true;
  stops[static_cast<unsigned char>('\n')] = true;
  return stops;
}

// First byte in [p, end) that is a stop, or end. Unrolled by four: the per-byte cost is one table
// load and one branch that is almost never taken, which keeps short fields cheap too (memchr-style
// SIMD only pays off for long runs, and unquoted fields are short).
inline const char* FindUnquotedStop(const char* p, const char* end, const UnquotedStops& stops) {
  auto is_stop = [&stops](const char* q) { return stops[static_cast<unsigned char>(*q)]; };
  while (end - p >= 4) {
    if (is_stop(p)) return p;
    if (is_stop(p + 1)) return p + 1;
    if (is_stop(p + 2)) return p + 2;
    if (is_stop(p + 3)) return p + 3;
    p += 4;
  }
  while (p < end && !is_stop(p)) ++p;
  return p;
}

// First quote in [p, end), or end. Inside a quoted field only the quote is special, so libc's
// vectorised memchr does the work.
inline const char* FindQuote(const char* p, const char* end) {
  const void* found = std::memchr(p, '"', static_cast<size_t>(end - p));
  return found != nullptr ? static_cast<const char*>(found) : end;
}

// Number of LF bytes in [p, end): quoted line breaks advance the physical line count.
inline uint64_t CountLineFeeds(const char* p, const char* end) {
  uint64_t count = 0;
  while (p < end) {
    const void* found = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (found == nullptr) break;
    ++count;
    p = static_cast<const char*>(found) + 1;
  }
  return count;
}

}  // namespace migration::ingest::csv
