#include "db/postgres/pg_app_role.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <regex>
#include <string>

#include "core/error.hpp"

namespace migration::db::postgres {
namespace {

using core::Error;
using core::ErrorCode;

void Run(PGconn* conn, const std::string& what, const std::string& sql) {
  const std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn, sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    // The statement may hold the password's verifier: only the step's name and the server's
    // message go into the error.
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot set up the service's database role ({}): {}", what, PQerrorMessage(conn)));
  }
}

bool RoleExists(PGconn* conn, const std::string& name) {
  const std::array<const char*, 1> values = {name.c_str()};
  const std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, nullptr, values.data(), nullptr, nullptr, 0),
      &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot set up the service's database role (look it up): {}", PQerrorMessage(conn)));
  }
  return PQntuples(result.get()) > 0;
}

}  // namespace

void EnsureAppRole(PGconn* admin, const PgLogin& login) {
  // A plain identifier needs no quoting anywhere below, in SQL or inside the DO block's text.
  static const std::regex kPlain("[a-z_][a-z0-9_]{0,62}");
  if (!std::regex_match(login.user, kPlain)) {
    throw Error(ErrorCode::kBadRequest,
                "the database secret's username must be a lower-case identifier (letters, digits, _)");
  }
  const std::unique_ptr<char, decltype(&PQfreemem)> verifier(
      PQencryptPasswordConn(admin, login.password.c_str(), login.user.c_str(), "scram-sha-256"), &PQfreemem);
  if (!verifier) {
    throw Error(
        ErrorCode::kUnavailable,
        fmt::format("cannot set up the service's database role (hash its password): {}", PQerrorMessage(admin)));
  }
  const std::unique_ptr<char, decltype(&PQfreemem)> literal(
      PQescapeLiteral(admin, verifier.get(), std::char_traits<char>::length(verifier.get())), &PQfreemem);
  if (!literal) throw Error(ErrorCode::kUnavailable, "cannot set up the service's database role (quote its password)");

  const std::string& role = login.user;
  if (RoleExists(admin, role)) {
    Run(admin, "set its password", fmt::format("ALTER ROLE {} LOGIN PASSWORD {}", role, literal.get()));
  } else {
    Run(admin, "create it",
        fmt::format("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}", role, literal.get()));
  }
  // The master user joins the role so it may hand the role its tables (Aurora's master user is
  // no superuser).
  Run(admin, "hand it the tables",
      fmt::format(
          "GRANT {0} TO CURRENT_USER; "
          "DO $$DECLARE t record; BEGIN "
          "FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = current_user LOOP "
          "EXECUTE format('ALTER TABLE public.%I OWNER TO {0}', t.relname); END LOOP; END$$",
          role));
  Run(admin, "grant it its database",
      fmt::format("DO $$BEGIN EXECUTE format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO {0}', "
                  "current_database()); END$$; GRANT USAGE, CREATE ON SCHEMA public TO {0}",
                  role));
}

}  // namespace migration::db::postgres
