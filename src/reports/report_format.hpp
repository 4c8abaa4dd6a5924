#pragma once
// The reports as JSON (the API's shape, DESIGN §5), CSV (RFC 4180, header line) and an aligned
// text table for terminals. No HTTP here: the API and the CLI both render through these.

#include <string>
#include <string_view>

#include "reports/reports.hpp"

namespace migration::reports {

enum class Format { kJson, kCsv, kTable };

// "json", "csv", "table"; throws core::Error(kBadRequest) otherwise.
Format ParseFormat(std::string_view name);

std::string Render(const HiresByQuarter& report, Format format);
std::string Render(const DepartmentsAboveMean& report, Format format);

// One CSV field, quoted when it holds a comma, a quote, CR or LF (quotes doubled).
std::string CsvField(std::string_view text);

// A CSV field holding text a client wrote (a name, a raw record): as CsvField, but a value starting
// with = + - @ tab or CR gets a leading single quote, so a spreadsheet shows it instead of running
// it as a formula (OWASP, CSV injection). Not for numbers we print: they would lose their sign.
std::string CsvTextField(std::string_view text);

// `text` for a terminal: C0 controls, DEL and the C1 controls (U+0080..U+009F) escaped as \t \n \r
// \xNN \uNNNN; everything else (valid UTF-8) as is.
std::string EscapeControls(std::string_view text);

}  // namespace migration::reports
