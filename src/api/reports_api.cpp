#include "api/reports_api.hpp"

#include <memory>

#include "reports/report_cache.hpp"
#include "reports/report_format.hpp"
#include "reports/reports.hpp"

namespace migration::api {
namespace {

int YearParam(const http::Request& request) {
  const auto year = request.Query("year");
  return year ? reports::ParseYear(*year) : reports::kDefaultYear;
}

// ?format=csv|json wins; otherwise CSV when the client asks for text/csv (and not JSON first).
reports::Format FormatParam(const http::Request& request) {
  if (const auto format = request.Query("format")) {
    const reports::Format parsed = reports::ParseFormat(*format);
    if (parsed == reports::Format::kTable) return reports::Format::kJson;
    return parsed;
  }
  const auto accept = request.Header("accept");
  if (accept && accept->find("text/csv") != std::string_view::npos &&
      accept->find("application/json") == std::string_view::npos) {
    return reports::Format::kCsv;
  }
  return reports::Format::kJson;
}

http::Response Respond(std::string body, reports::Format format) {
  if (format == reports::Format::kCsv) return http::Response{200, "text/csv; charset=utf-8", std::move(body), {}};
  return http::Response::Json(200, std::move(body));
}

}  // namespace

void RegisterReportRoutes(http::Router& router, ApiContext& context) {
  // Shared by both routes for the life of the router; each entry is checked against the data
  // version on every request, so a report is never older than the last committed load.
  auto cache = std::make_shared<reports::ReportCache>();
  router.Add({"GET",
              "/v1/reports/hires-by-quarter",
              0,
              [&context, cache](http::Request& request) {
                const reports::Format format = FormatParam(request);
                const int year = YearParam(request);
                return Respond(
                    cache->Get(context.db, "hires-by-quarter", year, static_cast<int>(format),
                               [&] { return reports::Render(reports::BuildHiresByQuarter(context.db, year), format); }),
                    format);
              },
              nullptr,
              "",
              {"year", "format"}});
  router.Add(
      {"GET",
       "/v1/reports/departments-above-mean",
       0,
       [&context, cache](http::Request& request) {
         const reports::Format format = FormatParam(request);
         const int year = YearParam(request);
         return Respond(
             cache->Get(context.db, "departments-above-mean", year, static_cast<int>(format),
                        [&] { return reports::Render(reports::BuildDepartmentsAboveMean(context.db, year), format); }),
             format);
       },
       nullptr,
       "",
       {"year", "format"}});
}

}  // namespace migration::api
