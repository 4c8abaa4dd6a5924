#include "http/access_log.hpp"

#include <cmath>

#include "observability/log.hpp"
#include "observability/service_metrics.hpp"

namespace migration::http {

void LogAccess(const Request& request, std::string_view route, int status, uint64_t bytes_out, bool completed,
               std::chrono::steady_clock::time_point started) {
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const uint64_t bytes_in = request.content_length.value_or(request.body.size());
  observability::RecordRequest(route, status, elapsed, bytes_in, bytes_out);
  observability::LogInfo(
      "request", {{"request_id", request.request_id},
                  {"trace_id", request.trace.trace_id},
                  {"method", request.method},
                  {"route", route},
                  {"path", request.path},
                  {"status", status},
                  {"bytes_in", bytes_in},
                  {"bytes_out", bytes_out},
                  {"duration_ms", std::round(elapsed * 1e6) / 1000},
                  {"key", request.principal.empty() ? nlohmann::json(nullptr) : nlohmann::json(request.principal)},
                  {"remote", request.remote_address},
                  {"completed", completed}});
}

}  // namespace migration::http
