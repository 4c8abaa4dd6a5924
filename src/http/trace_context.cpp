#include "http/trace_context.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>

namespace migration::http {
namespace {

bool IsLowerHex(std::string_view text, size_t length) {
  return text.size() == length &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// An all-zero trace or span id is invalid (W3C Trace Context §3.2.2.3).
bool AllZero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

std::string RandomHex(size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  while (out.size() < digits) out += fmt::format("{:016x}", rng() | 1);  // never all zero
  return out.substr(0, digits);
}

// "00-<32 hex>-<16 hex>-<2 hex>". A later version may append "-..." after the flags; version
// "ff" is invalid (W3C Trace Context §3.2.2.1).
bool ParseTraceparent(std::string_view header, TraceContext& out) {
  if (header.size() < 55) return false;
  const std::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version, 2) || version == "ff") return false;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return false;
  if (version == "00" ? header.size() != 55 : header.size() > 55 && header[55] != '-') return false;
  const std::string_view trace = header.substr(3, 32);
  const std::string_view parent = header.substr(36, 16);
  const std::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(trace, 32) || AllZero(trace) || !IsLowerHex(parent, 16) || AllZero(parent)) return false;
  if (!IsLowerHex(flags, 2)) return false;
  out.trace_id = std::string(trace);
  out.sampled = (std::stoi(std::string(flags), nullptr, 16) & 1) != 0;  // bit 0: sampled
  return true;
}

// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>" (fields in any order, others ignored).
bool ParseAmznTraceId(std::string_view header, TraceContext& out) {
  std::optional<std::string> root;
  bool sampled = false;
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view field = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    if (field.starts_with("Root=")) {
      const std::string_view value = field.substr(5);
      if (value.size() != 35 || !value.starts_with("1-") || value[10] != '-') return false;
      const std::string joined = std::string(value.substr(2, 8)) + std::string(value.substr(11, 24));
      if (!IsLowerHex(joined, 32) || AllZero(joined)) return false;
      root = joined;
    } else if (field == "Sampled=1") {
      sampled = true;
    }
  }
  if (!root) return false;
  out.trace_id = *root;
  out.sampled = sampled;
  return true;
}

}  // namespace

TraceContext TraceFromHeaders(std::optional<std::string_view> traceparent,
                              std::optional<std::string_view> amzn_trace_id) {
  TraceContext trace;
  const bool found = (traceparent && ParseTraceparent(*traceparent, trace)) ||
                     (amzn_trace_id && ParseAmznTraceId(*amzn_trace_id, trace));
  if (!found) trace = NewTrace();
  trace.span_id = RandomHex(16);
  return trace;
}

TraceContext NewTrace() {
  TraceContext trace;
  trace.trace_id = RandomHex(32);
  trace.span_id = RandomHex(16);
  return trace;
}

std::string TraceparentHeader(const TraceContext& trace) {
  return fmt::format("00-{}-{}-{}", trace.trace_id, trace.span_id, trace.sampled ? "01" : "00");
}

std::string AmznTraceIdHeader(const TraceContext& trace) {
  return fmt::format("Root=1-{}-{};Parent={};Sampled={}", trace.trace_id.substr(0, 8), trace.trace_id.substr(8),
                     trace.span_id, trace.sampled ? 1 : 0);
}

}  // namespace migration::http
