#include "app/database_login.hpp"

#include <memory>

#include "db/postgres/pg_login.hpp"
#include "observability/log.hpp"
#include "storage/aws/secrets_manager.hpp"

namespace migration::app {

void UseDatabaseSecret(const Config& config) {
  if (config.database_secret_arn.empty()) return;
  auto client = std::make_shared<storage::aws::SecretsManagerClient>(config.aws_region);
  auto source = std::make_shared<db::postgres::SecretLoginSource>(
      [client, arn = config.database_secret_arn] { return client->GetSecretString(arn); });
  const db::postgres::PgLogin login = source->Current();
  db::postgres::SetLoginSource(source);
  if (!config.database_admin_secret_arn.empty()) {
    // Read only when needed: a running service that never has to repair its role never reads it.
    db::postgres::SetAdminLoginSource(std::make_shared<db::postgres::SecretLoginSource>(
        [client, arn = config.database_admin_secret_arn] { return client->GetSecretString(arn); }));
  }
  observability::LogInfo("database_secret_read", {{"secret", config.database_secret_arn},
                                                  {"user", login.user},
                                                  {"admin_secret", config.database_admin_secret_arn},
                                                  {"endpoint", client->endpoint()}});
}

}  // namespace migration::app
