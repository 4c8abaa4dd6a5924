#include "api/load_response.hpp"

#include <fmt/format.h>

#include "api/json_render.hpp"
#include "http/problem.hpp"

namespace migration::api {

http::Response LoadResponse(const ingest::LoadResult& result, const std::string& instance) {
  nlohmann::json body = LoadResultJson(result);
  const auto& c = result.record.counts;
  // A dry run did its job whatever it found: 200, its `outcome` says what the load would be.
  if (result.record.status == db::LoadStatus::kDryRun) return http::Response::Json(200, Dump(body));
  if (result.record.status == db::LoadStatus::kRejected) {
    const std::string detail =
        c.rejected == c.received
            ? fmt::format("all {} rows were rejected; see rejects (line or index, field, message)", c.rejected)
            : fmt::format("{} of {} rows were rejected and the load is atomic, so nothing was inserted", c.rejected,
                          c.received);
    return http::Problem(core::ErrorCode::kUnprocessable, detail, instance, body);
  }
  const bool all_created = c.inserted == c.received;
  return http::Response::Json(all_created ? 201 : 200, Dump(body));
}

}  // namespace migration::api
