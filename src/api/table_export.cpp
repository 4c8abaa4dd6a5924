#include "api/table_export.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>

#include "api/query_params.hpp"
#include "core/error.hpp"
#include "extract/table_csv.hpp"

namespace migration::api {
namespace {

using core::Error;
using core::ErrorCode;

// Hands the table's CSV to the server a piece at a time (on a worker, each after the last was sent).
class TableCsvProducer final : public http::BodyProducer {
 public:
  explicit TableCsvProducer(extract::TableCsv csv) : csv_(std::move(csv)) {}
  bool Next(std::string& piece) override { return csv_.Next(piece, kPieceBytes); }

 private:
  extract::TableCsv csv_;
};

bool AcceptsCsvOnly(const http::Request& request) {
  const auto accept = request.Header("accept");
  return accept && accept->find("text/csv") != std::string_view::npos &&
         accept->find("application/json") == std::string_view::npos;
}

}  // namespace

bool WantsTableCsv(const http::Request& request) {
  bool csv = false;
  if (const auto format = request.Query("format")) {
    if (*format != "json" && *format != "csv") {
      throw Error(ErrorCode::kBadRequest, fmt::format("format must be json or csv, got \"{}\"", *format));
    }
    csv = *format == "csv";
  } else {
    csv = AcceptsCsvOnly(request);
  }
  // A parameter of the other format would be silently ignored: refused, like an unknown one.
  if (csv && request.Query("limit")) {
    throw Error(ErrorCode::kBadRequest,
                "limit pages the JSON list; format=csv is the whole table (after=<id> resumes it past a row)");
  }
  if (!csv && request.Query("header")) {
    throw Error(ErrorCode::kBadRequest, "header applies to format=csv only");
  }
  return csv;
}

http::Response ExportTableCsv(ApiContext& context, const http::Request& request) {
  const core::Table table = TableParam(request);
  extract::TableCsvOptions options;
  options.header = BoolParam(request, "header", false);
  options.after = PageParams(request).after;
  // Constructed here, on the worker, so its first read's failure (database down) is still a status.
  auto producer =
      std::make_shared<TableCsvProducer>(extract::TableCsv(table, extract::PagesOf(context.db, table), options));
  http::Response response{200, "text/csv; charset=utf-8", "", {}};
  response.headers.emplace_back("Content-Disposition",
                                fmt::format("attachment; filename=\"{}.csv\"", core::TableName(table)));
  response.producer = std::move(producer);
  return response;
}

}  // namespace migration::api
