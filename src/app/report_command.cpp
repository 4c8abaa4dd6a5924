// `migration-api report hires-by-quarter|departments-above-mean [--year Y] [--format F]`: the
// same reports as the API, printed. An aligned table on a terminal, JSON when piped, unless
// --format says otherwise.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "reports/report_format.hpp"
#include "reports/reports.hpp"

namespace migration::app {

int RunReport(const Config& config, const ReportCommandOptions& options) {
  const int year = reports::ParseYear(options.year);
  const reports::Format format = options.format.empty()
                                     ? (isatty(STDOUT_FILENO) ? reports::Format::kTable : reports::Format::kJson)
                                     : reports::ParseFormat(options.format);
  auto database = db::OpenDatabase(config.database_url, {});
  database->Migrate();
  std::string out;
  if (options.name == "hires-by-quarter") {
    out = reports::Render(reports::BuildHiresByQuarter(*database, year), format);
  } else if (options.name == "departments-above-mean") {
    out = reports::Render(reports::BuildDepartmentsAboveMean(*database, year), format);
  } else {
    throw core::Error(core::ErrorCode::kBadRequest,
                      fmt::format("unknown report \"{}\"; the reports are hires-by-quarter and departments-above-mean",
                                  options.name));
  }
  if (format == reports::Format::kJson) out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace migration::app
