#include "http/body/multipart_reader.hpp"

// No fmt here: the fuzz target (tests/fuzz/multipart_reader_fuzz.cpp) links this file alone.

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/text.hpp"

namespace migration::http {
namespace {

// Reader states; kept as ints in the header so the header stays free of implementation detail.
enum State : int {
  kPreamble = 0,  // before the first delimiter
  kAfterDelim,    // just read "--boundary"; expect "--" (close) or padding + CRLF
  kHeaders,       // reading a part's header block up to CRLFCRLF
  kBody,          // streaming a part's content up to the next delimiter
  kEpilogue,      // after the closing delimiter: everything is ignored
};

// A part's header block, up to and including the CRLF of its last header line.
constexpr size_t kMaxHeaderBlock = size_t{16} * 1024;
// Whitespace allowed between a boundary delimiter and its CRLF (RFC 2046 transport padding):
// bounded so that a stream of spaces cannot make the reader buffer without limit.
constexpr size_t kMaxPadding = 1024;
constexpr std::string_view kHeaderBlockTooLong =
    "a part's header block is longer than 16 KiB (is the blank line after the part's headers missing?)";

[[noreturn]] void Malformed(uint64_t offset, std::string_view what) {
  throw core::Error(core::ErrorCode::kBadRequest,
                    "malformed multipart/form-data body at byte " + std::to_string(offset) + ": " + std::string(what));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads one parameter value at the start of `s` (token or quoted-string, backslash escapes
// unescaped) and advances `s` past it.
std::string TakeParamValue(std::string_view& s) {
  std::string value;
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      value.push_back(s[i]);
    }
    s.remove_prefix(std::min(i + 1, s.size()));
  } else {
    const size_t end = std::min(s.find(';'), s.size());
    value = std::string(Trim(s.substr(0, end)));
    s.remove_prefix(end);
  }
  return value;
}

// Calls on_param(name, value) for each `; name=value` parameter after the first token (a
// parameter without `=` is skipped).
template <typename F>
void ForEachParam(std::string_view header_value, F on_param) {
  std::string_view s = header_value;
  size_t semi = s.find(';');
  while (semi != std::string_view::npos) {
    s.remove_prefix(semi + 1);
    s = Trim(s);
    const size_t eq = s.find('=');
    if (eq == std::string_view::npos) return;
    if (const size_t next = s.find(';'); next < eq) {
      semi = next;
      continue;
    }
    const std::string_view name = Trim(s.substr(0, eq));
    s.remove_prefix(eq + 1);
    s = Trim(s);
    const std::string value = TakeParamValue(s);
    on_param(name, value);
    semi = s.find(';');
  }
}

PartHeaders ParseHeaderBlock(std::string_view block) {
  PartHeaders headers;
  while (!block.empty()) {
    const size_t eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (core::AsciiIEquals(name, "content-disposition")) {
      ForEachParam(value, [&](std::string_view param, const std::string& param_value) {
        if (core::AsciiIEquals(param, "name")) headers.name = param_value;
        if (core::AsciiIEquals(param, "filename")) headers.filename = param_value;
      });
    } else if (core::AsciiIEquals(name, "content-type")) {
      headers.content_type = std::string(value);
    }
  }
  return headers;
}

}  // namespace

// carry_ starts with a CRLF: the first delimiter may open the body without one before it, and
// pretending there was one gives every delimiter the same shape.
MultipartReader::MultipartReader(std::string boundary, Callbacks callbacks)
    : boundary_("\r\n--" + std::move(boundary)), callbacks_(std::move(callbacks)), carry_("\r\n") {}

void MultipartReader::Feed(std::string_view chunk) {
  if (state_ == kEpilogue) {
    bytes_consumed_ += chunk.size();
    return;
  }
  carry_.append(chunk);
  std::string_view data = carry_;
  // Offsets in error messages count the caller's bytes. `rest` is always a suffix of carry_, whose
  // last byte is the last byte fed so far; only the CRLF we prepended can lie before offset 0.
  const uint64_t fed = bytes_consumed_ + chunk.size();
  const auto offset_of = [fed](std::string_view rest) { return fed - std::min<uint64_t>(rest.size(), fed); };

  bool progress = true;
  while (progress && !data.empty()) {
    progress = false;
    switch (state_) {
      case kPreamble: {
        const size_t at = data.find(boundary_);
        if (at == std::string_view::npos) {
          // Keep only what could still be the start of a delimiter.
          const size_t keep = std::min(data.size(), boundary_.size() - 1);
          data.remove_prefix(data.size() - keep);
          break;
        }
        data.remove_prefix(at + boundary_.size());
        state_ = kAfterDelim;
        progress = true;
        break;
      }
      case kAfterDelim: {
        if (data.size() < 2) break;
        if (data.substr(0, 2) == "--") {
          if (callbacks_.on_part_end && in_part_) callbacks_.on_part_end();
          in_part_ = false;
          state_ = kEpilogue;
          data = {};
          done_ = true;
          break;
        }
        size_t i = 0;
        while (i < data.size() && (data[i] == ' ' || data[i] == '\t')) ++i;
        if (i > kMaxPadding) Malformed(offset_of(data), "more than 1 KiB of whitespace after a boundary delimiter");
        if (i + 2 > data.size()) break;  // need more bytes
        if (data.substr(i, 2) != "\r\n") Malformed(offset_of(data), "expected CRLF after a boundary delimiter");
        if (callbacks_.on_part_end && in_part_) callbacks_.on_part_end();
        in_part_ = false;
        data.remove_prefix(i + 2);
        header_block_.clear();
        state_ = kHeaders;
        progress = true;
        break;
      }
      case kHeaders: {
        // The block is the header lines up to the first empty line (a part with no headers starts
        // with one). Each decision is taken on a complete line, or on a length already over the
        // limit whatever comes next, so the outcome never depends on how the body was chunked.
        size_t line = 0;
        bool complete = false;
        for (;;) {
          const size_t eol = data.find("\r\n", line);
          if (eol == std::string_view::npos) break;
          if (eol == line) {
            complete = true;
            break;
          }
          if (eol + 2 > kMaxHeaderBlock) Malformed(offset_of(data), kHeaderBlockTooLong);
          // The next delimiter where a header was expected: the part has no blank line.
          if (data.substr(line, eol - line).substr(0, boundary_.size() - 2) == std::string_view(boundary_).substr(2)) {
            Malformed(offset_of(data.substr(line)),
                      "a boundary delimiter inside a part's header block (is the blank line after the part's "
                      "headers missing?)");
          }
          line = eol + 2;
        }
        if (!complete) {
          // An unfinished line that long can only end a block over the limit.
          if (data.size() > kMaxHeaderBlock + 1) Malformed(offset_of(data), kHeaderBlockTooLong);
          break;
        }
        header_block_.assign(data.substr(0, line));
        data.remove_prefix(line + 2);
        const PartHeaders headers = ParseHeaderBlock(header_block_);
        in_part_ = true;
        if (callbacks_.on_part_begin) callbacks_.on_part_begin(headers);
        state_ = kBody;
        progress = true;
        break;
      }
      case kBody: {
        const size_t at = data.find(boundary_);
        if (at == std::string_view::npos) {
          // Everything except a possible partial delimiter at the end is content.
          const size_t keep = std::min(data.size(), boundary_.size() - 1);
          const size_t emit = data.size() - keep;
          if (emit > 0) {
            if (callbacks_.on_part_data) callbacks_.on_part_data(data.substr(0, emit));
            data.remove_prefix(emit);
          }
          break;
        }
        if (at > 0 && callbacks_.on_part_data) callbacks_.on_part_data(data.substr(0, at));
        data.remove_prefix(at + boundary_.size());
        state_ = kAfterDelim;
        progress = true;
        break;
      }
      default: data = {}; break;
    }
  }
  bytes_consumed_ += chunk.size();
  carry_.erase(0, carry_.size() - data.size());
}

void MultipartReader::Finish() {
  if (done_) return;
  const uint64_t at = bytes_consumed_;
  switch (state_) {
    case kPreamble: Malformed(at, "no boundary delimiter found (does the boundary in Content-Type match the body?)");
    case kHeaders:
      Malformed(at,
                "the body ended inside a part's header block (is the blank line after the part's headers missing?)");
    default: Malformed(at, "the body ended before the closing boundary delimiter (--boundary--)");
  }
}

std::optional<std::string> BoundaryFromContentType(std::string_view content_type) {
  std::optional<std::string> boundary;
  ForEachParam(content_type, [&](std::string_view name, const std::string& value) {
    if (core::AsciiIEquals(name, "boundary")) boundary = value;
  });
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  // RFC 2046 allows printable ASCII only, and no space at the end; a control character (CR, LF)
  // would let the boundary match across the lines of the body.
  const auto printable = [](char c) { return c >= ' ' && c <= '~'; };
  if (!std::all_of(boundary->begin(), boundary->end(), printable) || boundary->back() == ' ') return std::nullopt;
  return boundary;
}

}  // namespace migration::http
