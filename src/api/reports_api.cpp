#include "api/reports_api.hpp"

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

template <typename Report>
http::Response Respond(const Report& report, reports::Format format) {
  if (format == reports::Format::kCsv) {
    return http::Response{200, "text/csv; charset=utf-8", reports::Render(report, format), {}};
  }
  return http::Response::Json(200, reports::Render(report, reports::Format::kJson));
}

}  // namespace

void RegisterReportRoutes(http::Router& router, ApiContext& context) {
  router.Add({"GET", "/v1/reports/hires-by-quarter", 0,
              [&context](http::Request& request) {
                const reports::Format format = FormatParam(request);
                return Respond(reports::BuildHiresByQuarter(context.db, YearParam(request)), format);
              },
              nullptr, ""});
  router.Add({"GET", "/v1/reports/departments-above-mean", 0,
              [&context](http::Request& request) {
                const reports::Format format = FormatParam(request);
                return Respond(reports::BuildDepartmentsAboveMean(context.db, YearParam(request)), format);
              },
              nullptr, ""});
}

}  // namespace migration::api
