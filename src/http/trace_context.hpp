#pragma once
// Which trace a request belongs to, so one request (and the load it runs) can be followed across
// the load balancer, replicas and log lines. A W3C `traceparent` header wins; else AWS's
// `X-Amzn-Trace-Id` (the ALB adds one to every request; its Root's two hex parts are the same
// 128-bit trace id X-Ray's W3C support uses); else a new trace starts here. This server's own
// part of it is a new span id, which the response's `traceparent` names as the parent of
// whatever the client does next.

#include <optional>
#include <string>
#include <string_view>

namespace migration::http {

struct TraceContext {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string span_id;   // 16 lower-case hex digits: this server's span
  bool sampled = false;  // the caller's sampling decision, passed on unchanged
};

// The trace of a request with these header values (absent, malformed or all-zero ones ignored).
TraceContext TraceFromHeaders(std::optional<std::string_view> traceparent,
                              std::optional<std::string_view> amzn_trace_id);

// The headers that carry `trace` on: "00-<trace>-<span>-<flags>" and "Root=1-…;Parent=…;Sampled=…".
std::string TraceparentHeader(const TraceContext& trace);
std::string AmznTraceIdHeader(const TraceContext& trace);

// A new trace, for work that no request started (a CLI run).
TraceContext NewTrace();

}  // namespace migration::http
