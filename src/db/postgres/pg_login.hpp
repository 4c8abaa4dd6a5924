#pragma once
// Where PgConnection takes PostgreSQL's user and password from when a secret holds them
// (DATABASE_SECRET_ARN: app/ wires a Secrets Manager reader in at start-up). The login is cached;
// a fresh read happens only after the server refused it, which is what a rotation looks like
// from here: Aurora (or Secrets Manager's rotation) changed the password, the cached copy is old,
// and the next connection re-reads the secret and logs in without a restart.
// Unset (the default): libpq's own sources (the URL, PGUSER/PGPASSWORD, ~/.pgpass).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace migration::db::postgres {

struct PgLogin {
  std::string user;
  std::string password;
};

class PgLoginSource {
 public:
  virtual ~PgLoginSource() = default;
  virtual PgLogin Current() = 0;    // the cached login (read once, the first time)
  virtual PgLogin Refreshed() = 0;  // read again: the server refused Current()
};

// A secret holding {"username": ..., "password": ...} (the shape of Aurora's managed master
// secret and of Secrets Manager's database secrets), read through `read`. Refreshed() reads again
// at most once per `min_interval`: the connections of a whole pool fail together after a
// rotation, and one read serves them all. Thread-safe.
class SecretLoginSource : public PgLoginSource {
 public:
  explicit SecretLoginSource(std::function<std::string()> read,
                             std::chrono::milliseconds min_interval = std::chrono::seconds(5));
  PgLogin Current() override;
  PgLogin Refreshed() override;
  int reads() const;  // how many times the secret was read

 private:
  PgLogin Read();  // with mutex_ held

  std::function<std::string()> read_;
  std::chrono::milliseconds min_interval_;
  mutable std::mutex mutex_;
  std::optional<PgLogin> cached_;
  std::chrono::steady_clock::time_point read_at_;
  int reads_ = 0;
};

// Parses {"username": "...", "password": "..."}; throws core::Error(kUnavailable) (never quoting
// the value) when the secret is not such a document.
PgLogin ParseLoginSecret(std::string_view secret);

// The process's source, set once at start-up before the first connection (null: libpq's own).
void SetLoginSource(std::shared_ptr<PgLoginSource> source);
std::shared_ptr<PgLoginSource> LoginSource();

// Optional: the master user's login (DATABASE_ADMIN_SECRET_ARN), used only when the service's
// own login is still refused after a fresh read of its secret, to create or repair the service's
// role (pg_app_role.hpp) before one more try. Null: no such repair.
void SetAdminLoginSource(std::shared_ptr<PgLoginSource> source);
std::shared_ptr<PgLoginSource> AdminLoginSource();

// Whether libpq's connection failure message says the server refused the login (a wrong or
// rotated password), as opposed to a server that is down or unreachable.
bool IsLoginRefused(std::string_view libpq_message);

}  // namespace migration::db::postgres
