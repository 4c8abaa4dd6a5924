#pragma once
// The service's own PostgreSQL role, so it never logs in as the cluster's master user. Made (or
// repaired) with the master login, only when the service's login is refused even after its
// secret was read again: on the first start against a new cluster, and after the service's
// secret was given a new password (a rotation is just that: put a new password in the secret).
//
// The role gets exactly what the service needs: LOGIN, no SUPERUSER/CREATEDB/CREATEROLE;
// CONNECT, TEMPORARY (load staging tables) and CREATE (migrations) on its database; USAGE and
// CREATE on schema public; and it owns the service's tables (ownership moves from the master
// user), since the service applies its own migrations at start. It has no rights in any other
// database and none over roles.

#include <libpq-fe.h>

#include <string>

#include "db/postgres/pg_login.hpp"

namespace migration::db::postgres {

// On `admin` (a connection as the master user to the service's database): creates the role
// `login.user` with `login.password` (sent as a SCRAM verifier, never in clear) or resets its
// password, grants the rights above and hands it the tables the master user owns in schema
// public. Throws core::Error(kUnavailable) when the master user may not, or kBadRequest when the
// user name is not a plain lower-case identifier.
void EnsureAppRole(PGconn* admin, const PgLogin& login);

}  // namespace migration::db::postgres
