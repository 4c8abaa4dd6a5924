#pragma once
// Streaming multipart/form-data reader (RFC 7578 over RFC 2046 §5.1): bytes in, in chunks of any
// size; the content of each part out, in pieces, as it arrives — never a whole part in memory.
//
// Usage: construct with the boundary (from the Content-Type header, see BoundaryFromContentType),
// Feed() every chunk, then Finish(). The callbacks receive, per part: OnPartBegin(headers) once,
// OnPartData(bytes) zero or more times (pieces of the content, in order, without the CRLF that
// precedes the next boundary), OnPartEnd() once. Preamble and epilogue are ignored.
// Malformed input (no opening boundary, a part header block over 16 KiB, missing CRLF after a
// header block, a delimiter followed by anything but whitespace and CRLF or `--` (RFC 2046: the
// boundary may not start a line inside a part), over 1 KiB of whitespace after a delimiter, input
// ending before the closing boundary `--boundary--`) throws core::Error with kBadRequest and a
// detail a person can act on (what was expected, at which byte offset). Parts, content, errors
// and offsets are the same however the body is cut into chunks.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace migration::http {

struct PartHeaders {
  std::string name;                     // Content-Disposition: form-data; name="file"
  std::optional<std::string> filename;  // ...; filename="hires.csv"  (quoted-string unescaped)
  std::string content_type;             // the part's Content-Type, empty if absent
};

class MultipartReader {
 public:
  struct Callbacks {
    std::function<void(const PartHeaders&)> on_part_begin;
    std::function<void(std::string_view)> on_part_data;
    std::function<void()> on_part_end;
  };

  MultipartReader(std::string boundary, Callbacks callbacks);

  void Feed(std::string_view chunk);
  void Finish();  // throws if the closing boundary was not seen

  uint64_t bytes_consumed() const { return bytes_consumed_; }

 private:
  // Private state is the implementation's own (csv-reader style state machine).
  std::string boundary_;
  Callbacks callbacks_;
  uint64_t bytes_consumed_ = 0;
  int state_ = 0;
  std::string carry_;  // bytes held back because they may be the start of a delimiter
  std::string header_block_;
  bool done_ = false;
  bool in_part_ = false;
};

// Extracts the boundary parameter from a `multipart/form-data; boundary=...` content type
// (quoted or token form, case-insensitive parameter name). nullopt if absent or invalid
// (RFC 2046: 1–70 characters).
std::optional<std::string> BoundaryFromContentType(std::string_view content_type);

}  // namespace migration::http
