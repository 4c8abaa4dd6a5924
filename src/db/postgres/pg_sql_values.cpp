#include "db/postgres/pg_sql_values.hpp"

#include <fmt/format.h>

namespace migration::db::postgres {
namespace {

template <typename Get>
std::string ArrayLiteral(const std::vector<HireCountDelta>& counts, Get get) {
  std::string out = "{";
  for (const auto& count : counts) {
    if (out.size() > 1) out += ',';
    out += std::to_string(get(count));
  }
  out += '}';
  return out;
}

}  // namespace

std::string MicrosOf(std::string_view column) {
  return fmt::format("(extract(epoch FROM {}) * 1000000)::bigint", column);
}

PgParams HireCountArrays(const std::vector<HireCountDelta>& counts) {
  PgParams params;
  params.Add(ArrayLiteral(counts, [](const HireCountDelta& c) { return c.key.year; }))
      .Add(ArrayLiteral(counts, [](const HireCountDelta& c) { return c.key.department_id; }))
      .Add(ArrayLiteral(counts, [](const HireCountDelta& c) { return c.key.job_id; }));
  for (size_t q = 0; q < 4; ++q) {
    params.Add(ArrayLiteral(counts, [q](const HireCountDelta& c) { return c.quarters[q]; }));
  }
  return params;
}

}  // namespace migration::db::postgres
