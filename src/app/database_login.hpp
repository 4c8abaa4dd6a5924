#pragma once
// DATABASE_SECRET_ARN: PostgreSQL's login read from Secrets Manager by the service itself, so a
// rotated password is picked up by the next connection (db/postgres/pg_login.hpp) instead of
// failing every reconnect until the task restarts, as a password injected at start would.

#include "app/config.hpp"

namespace migration::app {

// Installs the Secrets Manager login source when config.database_secret_arn is set (region:
// config.aws_region; endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL, else AWS's).
// Reads the secret once now, so a wrong ARN or missing permission fails the start, not the first
// request. With config.database_admin_secret_arn, also the master login that creates or repairs
// the service's own role (db/postgres/pg_app_role.hpp). No-op when database_secret_arn is unset.
void UseDatabaseSecret(const Config& config);

}  // namespace migration::app
