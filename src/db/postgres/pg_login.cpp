#include "db/postgres/pg_login.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

std::mutex source_mutex;
std::shared_ptr<PgLoginSource> process_source;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
std::shared_ptr<PgLoginSource> admin_source;    // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

}  // namespace

PgLogin ParseLoginSecret(std::string_view secret) {
  const nlohmann::json document = nlohmann::json::parse(secret, nullptr, /*allow_exceptions=*/false);
  const auto text = [&](const char* name) -> std::string {
    if (!document.is_object()) return {};
    const auto it = document.find(name);
    return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  PgLogin login{text("username"), text("password")};
  if (login.user.empty() || login.password.empty()) {
    throw Error(ErrorCode::kUnavailable,
                R"(the database secret is not a JSON object with string "username" and "password")");
  }
  return login;
}

SecretLoginSource::SecretLoginSource(std::function<std::string()> read, std::chrono::milliseconds min_interval)
    : read_(std::move(read)), min_interval_(min_interval) {}

PgLogin SecretLoginSource::Read() {
  PgLogin login = ParseLoginSecret(read_());
  ++reads_;
  read_at_ = std::chrono::steady_clock::now();
  cached_ = login;
  return login;
}

PgLogin SecretLoginSource::Current() {
  const std::lock_guard lock(mutex_);
  return cached_ ? *cached_ : Read();
}

PgLogin SecretLoginSource::Refreshed() {
  const std::lock_guard lock(mutex_);
  if (cached_ && std::chrono::steady_clock::now() - read_at_ < min_interval_) return *cached_;
  return Read();
}

int SecretLoginSource::reads() const {
  const std::lock_guard lock(mutex_);
  return reads_;
}

void SetLoginSource(std::shared_ptr<PgLoginSource> source) {
  const std::lock_guard lock(source_mutex);
  process_source = std::move(source);
}

std::shared_ptr<PgLoginSource> LoginSource() {
  const std::lock_guard lock(source_mutex);
  return process_source;
}

void SetAdminLoginSource(std::shared_ptr<PgLoginSource> source) {
  const std::lock_guard lock(source_mutex);
  admin_source = std::move(source);
}

std::shared_ptr<PgLoginSource> AdminLoginSource() {
  const std::lock_guard lock(source_mutex);
  return admin_source;
}

bool IsLoginRefused(std::string_view libpq_message) {
  // "FATAL:  password authentication failed for user ..." (password, md5, scram-sha-256), and the
  // same words for PAM (IAM database authentication); the server sends SQLSTATE 28P01, which
  // libpq does not expose for a connection that never opened.
  return libpq_message.find("authentication failed") != std::string_view::npos;
}

}  // namespace migration::db::postgres
