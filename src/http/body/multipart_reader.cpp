#include "http/body/multipart_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace migration::http {
namespace {

// Reader states; kept as ints in the header so the header stays free of implementation detail.
enum State : int {
  kPreamble = 0,   // before the first delimiter
  kAfterDelim,     // just read "--boundary"; expect "--" (close) or padding + CRLF
  kHeaders,        // reading a part's header block up to CRLFCRLF
  kBody,           // streaming a part's content up to the next delimiter
  kEpilogue,       // after the closing delimiter: everything is ignored
};

constexpr size_t kMaxHeaderBlock = 16 * 1024;

[[noreturn]] void Malformed(uint64_t offset, std::string_view what) {
  throw core::Error(core::ErrorCode::kBadRequest,
                    fmt::format("malformed multipart/form-data body at byte {}: {}", offset, what));
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
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

// Calls on_param(name, value) for each `; name=value` parameter after the first token.
template <typename F>
void ForEachParam(std::string_view header_value, F on_param) {
  std::string_view s = header_value;
  size_t semi = s.find(';');
  while (semi != std::string_view::npos) {
    s.remove_prefix(semi + 1);
    s = Trim(s);
    const size_t eq = s.find('=');
    if (eq == std::string_view::npos) return;
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
    if (IEquals(name, "content-disposition")) {
      ForEachParam(value, [&](std::string_view param, const std::string& param_value) {
        if (IEquals(param, "name")) headers.name = param_value;
        if (IEquals(param, "filename")) headers.filename = param_value;
      });
    } else if (IEquals(name, "content-type")) {
      headers.content_type = std::string(value);
    }
  }
  return headers;
}

}  // namespace

MultipartReader::MultipartReader(std::string boundary, Callbacks callbacks)
    : boundary_("\r\n--" + boundary), callbacks_(std::move(callbacks)) {
  // The first delimiter may open the body without a preceding CRLF: pretend there was one, so
  // every delimiter has the same shape.
  carry_ = "\r\n";
}

void MultipartReader::Feed(std::string_view chunk) {
  if (state_ == kEpilogue) {
    bytes_consumed_ += chunk.size();
    return;
  }
  carry_.append(chunk);
  std::string_view data = carry_;
  // Offsets in error messages count the caller's bytes, not the CRLF we prepended.
  const uint64_t base = bytes_consumed_;
  const auto offset_of = [&](std::string_view rest) {
    const uint64_t pos = base + (carry_.size() - rest.size());
    return pos >= 2 ? pos - 2 : 0;
  };

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
        // The header block may be empty (a part with no headers starts with CRLF).
        if (data.size() >= 2 && data.substr(0, 2) == "\r\n" && header_block_.empty()) {
          data.remove_prefix(2);
        } else {
          const size_t end = data.find("\r\n\r\n");
          if (end == std::string_view::npos) {
            if (data.size() > kMaxHeaderBlock) {
              Malformed(offset_of(data), "a part's header block is longer than 16 KiB (missing blank line?)");
            }
            break;
          }
          if (end > kMaxHeaderBlock) Malformed(offset_of(data), "a part's header block is longer than 16 KiB");
          header_block_.assign(data.substr(0, end));
          data.remove_prefix(end + 4);
        }
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
      default:
        data = {};
        break;
    }
  }
  bytes_consumed_ += chunk.size();
  carry_.erase(0, carry_.size() - data.size());
}

void MultipartReader::Finish() {
  if (done_) return;
  const uint64_t at = bytes_consumed_;
  switch (state_) {
    case kPreamble:
      Malformed(at, "no boundary delimiter found (does the boundary in Content-Type match the body?)");
    case kHeaders:
      Malformed(at, "the body ended inside a part's header block");
    default:
      Malformed(at, "the body ended before the closing boundary delimiter (--boundary--)");
  }
}

std::optional<std::string> BoundaryFromContentType(std::string_view content_type) {
  std::optional<std::string> boundary;
  ForEachParam(content_type, [&](std::string_view name, const std::string& value) {
    if (IEquals(name, "boundary")) boundary = value;
  });
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

}  // namespace migration::http
