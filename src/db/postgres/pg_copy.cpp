#include "db/postgres/pg_copy.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "core/error.hpp"
#include "core/time.hpp"

namespace migration::db::postgres {
namespace {

// libpq sends a buffer per PQputCopyData; 256 KiB amortises the calls and keeps memory flat.
constexpr size_t kSendBytes = 256 * 1024;

// The escape letter of each byte in COPY text format, 0 when the byte goes as is, kNul for NUL.
constexpr char kNul = 1;
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> table{};
  table['\0'] = kNul;
  table['\\'] = '\\';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\r'] = 'r';
  return table;
}();

constexpr std::string_view kHexDigits = "0123456789abcdef";

// Binary COPY: the signature, a flags word and a header-extension length (both 0), and the
// trailer, a field count of -1.
constexpr std::string_view kBinaryHeader{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};
constexpr std::string_view kBinaryFormat = "(FORMAT binary)";
// timestamptz in binary is microseconds since 2000-01-01T00:00:00Z.
constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

void AppendBinaryInt4(std::string& out, int32_t value) {
  AppendBigEndian(out, 4, 4);
  AppendBigEndian(out, static_cast<uint32_t>(value), 4);
}

void AppendBinaryText(std::string& out, std::string_view text, core::Table table, int32_t id) {
  if (text.find('\0') != std::string_view::npos) {
    throw core::Error(core::ErrorCode::kBadRequest,
                      fmt::format("{} id {}: the text holds a NUL character (U+0000), which PostgreSQL cannot store",
                                  core::TableName(table), id));
  }
  AppendBigEndian(out, text.size(), 4);
  out.append(text);
}

}  // namespace

void AppendBinaryCopyRow(std::string& out, core::Table table, const core::Row& row, std::optional<int32_t> position) {
  const bool hire = table == core::Table::kHiredEmployees;
  AppendBigEndian(out, (hire ? 5 : 2) + (position ? 1 : 0), 2);
  if (position) AppendBinaryInt4(out, *position);
  AppendBinaryInt4(out, row.id);
  AppendBinaryText(out, row.text, table, row.id);
  if (hire) {
    AppendBigEndian(out, 8, 4);
    AppendBigEndian(out, static_cast<uint64_t>(row.datetime_us - kPostgresEpochMicros), 8);
    AppendBinaryInt4(out, row.department_id);
    AppendBinaryInt4(out, row.job_id);
  }
}

void AppendCopyInt(std::string& out, int64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
  out += '\t';
}

bool AppendCopyText(std::string& out, std::string_view text) {
  // Most values need no escape: look first, then copy them in one go.
  size_t first_special = 0;
  while (first_special < text.size() && kEscapes[static_cast<unsigned char>(text[first_special])] == 0) {
    ++first_special;
  }
  if (first_special == text.size()) {
    out.append(text);
    out += '\t';
    return true;
  }
  if (text.find('\0', first_special) != std::string_view::npos) return false;
  out.append(text.substr(0, first_special));
  for (const char c : text.substr(first_special)) {
    const char escape = kEscapes[static_cast<unsigned char>(c)];
    if (escape == 0) {
      out += c;
    } else {
      out += '\\';
      out += escape;
    }
  }
  out += '\t';
  return true;
}

void AppendCopyBytea(std::string& out, std::string_view bytes) {
  // bytea's input `\x` must reach the bytea parser, so COPY sees it escaped as `\\x`.
  const size_t start = out.size();
  out.resize(start + 3 + 2 * bytes.size());
  char* p = out.data() + start;
  *p++ = '\\';
  *p++ = '\\';
  *p++ = 'x';
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    *p++ = kHexDigits[byte >> 4];
    *p++ = kHexDigits[byte & 0x0f];
  }
  out += '\t';
}

void EndCopyRow(std::string& out) {
  if (!out.empty() && out.back() == '\t') out.back() = '\n';
}

CopyIn::CopyIn(PgConnection& conn, const PgStatement& copy) : conn_(conn), what_(copy.name) {
  PgResult result(PQexec(conn_.handle(), copy.sql.c_str()));
  if (result.get() == nullptr || PQresultStatus(result.get()) != PGRES_COPY_IN) conn_.ThrowError(what_, result.get());
  open_ = true;
  binary_ = std::string_view(copy.sql).ends_with(kBinaryFormat);
  buffer_.reserve(kSendBytes + 4096);
  if (binary_) buffer_.append(kBinaryHeader);
}

CopyIn::~CopyIn() {
  if (!open_) return;
  // Abandoned (an exception while building rows): tell the server, which fails the COPY and so
  // the transaction; then drain the results so the connection can take the ROLLBACK.
  PQputCopyEnd(conn_.handle(), "COPY abandoned by migration-api");
  while (PGresult* result = PQgetResult(conn_.handle())) PQclear(result);
}

void CopyIn::EndRow() {
  if (!binary_) EndCopyRow(buffer_);
  if (buffer_.size() >= kSendBytes) Send();
}

void CopyIn::Send() {
  if (buffer_.empty()) return;
  if (PQputCopyData(conn_.handle(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    conn_.ThrowError(what_, nullptr);
  }
  buffer_.clear();
}

uint64_t CopyIn::Finish() {
  if (binary_) AppendBigEndian(buffer_, 0xffff, 2);
  Send();
  open_ = false;
  if (PQputCopyEnd(conn_.handle(), nullptr) != 1) conn_.ThrowError(what_, nullptr);
  // The COPY's own result, then the null that ends the command.
  PgResult result(PQgetResult(conn_.handle()));
  while (PGresult* extra = PQgetResult(conn_.handle())) PQclear(extra);
  if (result.get() == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    conn_.ThrowError(what_, result.get());
  }
  return result.AffectedRows();
}

}  // namespace migration::db::postgres
