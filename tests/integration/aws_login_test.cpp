// The AWS paths a real deployment takes, against moto_server (scripts/test-servers.sh: signatures
// checked) and a real PostgreSQL:
//  - EKS IRSA: a web identity token exchanged at STS AssumeRoleWithWebIdentity (AWS_ENDPOINT_URL_STS)
//    for a role's session credentials, which then sign a Secrets Manager call moto checks;
//  - rotation: the service's PostgreSQL login read from Secrets Manager, cached, and read again
//    when the server refuses it, so the next connection after a rotation logs in.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/postgres/pg_connection.hpp"
#include "db/postgres/pg_login.hpp"
#include "storage/aws/secrets_manager.hpp"
#include "storage/s3/credentials.hpp"
#include "support/command.hpp"
#include "support/postgres_cluster.hpp"
#include "support/test_env.hpp"

namespace migration {
namespace {

using ::migration::testing::RequiredEnv;

std::string Unique(const std::string& prefix) {
  std::random_device random;
  return prefix + std::to_string(random());
}

// The aws CLI against moto as the test IAM user (its key from scripts/test-servers.sh).
testing::CommandResult Aws(std::vector<std::string> args) {
  std::vector<std::string> command = {"env",
                                      "AWS_CONFIG_FILE=/dev/null",
                                      "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                                      "AWS_PAGER=",
                                      "AWS_ACCESS_KEY_ID=" + RequiredEnv("TEST_S3_ACCESS_KEY_ID"),
                                      "AWS_SECRET_ACCESS_KEY=" + RequiredEnv("TEST_S3_SECRET_ACCESS_KEY"),
                                      "AWS_DEFAULT_REGION=" + RequiredEnv("TEST_S3_REGION"),
                                      "aws",
                                      "--endpoint-url",
                                      RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                      "--output",
                                      "text"};
  command.insert(command.end(), args.begin(), args.end());
  testing::CommandResult result = testing::RunProgram(command);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result;
}

std::shared_ptr<storage::s3::CredentialsProvider> TestUserKey() {
  return std::make_shared<storage::s3::StaticCredentialsProvider>(storage::s3::Credentials{
      RequiredEnv("TEST_S3_ACCESS_KEY_ID"), RequiredEnv("TEST_S3_SECRET_ACCESS_KEY"), "", std::nullopt});
}

TEST(AwsLoginTest, WebIdentityCredentialsFromStsSignCalls) {
  const std::string role = Unique("irsa-");
  const std::string trust_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":)"
      R"("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/TEST"},)"
      R"("Action":"sts:AssumeRoleWithWebIdentity"}]})";
  const std::string role_arn = Aws({"iam", "create-role", "--role-name", role, "--query", "Role.Arn",
                                    "--assume-role-policy-document", trust_policy})
                                   .output;
  const std::string read_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue",)"
      R"("Resource":"*"}]})";
  Aws({"iam", "put-role-policy", "--role-name", role, "--policy-name", "read-secrets", "--policy-document",
       read_policy});
  const std::string secret = Unique("irsa-secret-");
  Aws({"secretsmanager", "create-secret", "--name", secret, "--secret-string", "readable by the role"});

  const std::filesystem::path token_file = std::filesystem::temp_directory_path() / Unique("irsa-token-");
  std::ofstream(token_file) << "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln\n";
  const std::map<std::string, std::string> env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
                                                  {"AWS_ROLE_ARN", role_arn},
                                                  {"AWS_ROLE_SESSION_NAME", "pod-1"},
                                                  {"AWS_REGION", RequiredEnv("TEST_S3_REGION")},
                                                  {"AWS_ENDPOINT_URL_STS", RequiredEnv("TEST_S3_ENDPOINT_URL")}};
  storage::s3::CredentialSources sources;
  sources.getenv = [&env](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  sources.imds_base_url = "http://127.0.0.1:9";  // never the answer by accident
  auto chain = std::make_shared<storage::s3::DefaultCredentialsProvider>(sources);

  const storage::s3::Credentials credentials = chain->Get();
  std::filesystem::remove(token_file);
  EXPECT_TRUE(credentials.access_key_id.starts_with("ASIA")) << credentials.access_key_id;
  EXPECT_FALSE(credentials.session_token.empty());
  ASSERT_TRUE(credentials.expiration);
  EXPECT_GT(*credentials.expiration, std::chrono::system_clock::now() + std::chrono::minutes(10));

  // The role's session signs a Secrets Manager call; moto checks the signature, the session token
  // and the role's policy.
  const storage::aws::SecretsManagerClient client(RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                                  chain);
  EXPECT_EQ(client.GetSecretString(secret), "readable by the role");
  // Not a key moto would take from anyone: a wrong session token is refused.
  const storage::aws::SecretsManagerClient forged(
      RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
      std::make_shared<storage::s3::StaticCredentialsProvider>(
          storage::s3::Credentials{credentials.access_key_id, credentials.secret_access_key, "forged", std::nullopt}));
  EXPECT_THROW(forged.GetSecretString(secret), core::Error);
}

TEST(AwsLoginTest, SecretsManagerNamesAMissingSecret) {
  const storage::aws::SecretsManagerClient client(RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                                  TestUserKey());
  try {
    client.GetSecretString("arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf");
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kNotFound);
    EXPECT_NE(error.detail().find("ResourceNotFoundException"), std::string::npos) << error.detail();
  }
}

// A private cluster whose pg_hba.conf asks the test role for its password (scram-sha-256): the
// shared test server trusts every local connection, where any password would do.
class RotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<testing::PostgresCluster>();
    Admin("CREATE ROLE app_login LOGIN PASSWORD 'first-password-1'");
    const std::string hba = Admin("SHOW hba_file");
    // The superusers (the fixture's and the test's "master user") keep trust; every other role
    // must give its password.
    std::ofstream(hba) << "local all all trust\n"
                          "host all postgres,migration 127.0.0.1/32 trust\n"
                          "host all all 127.0.0.1/32 scram-sha-256\n";
    Admin("SELECT pg_reload_conf()");
  }
  void TearDown() override {
    db::postgres::SetLoginSource(nullptr);
    db::postgres::SetAdminLoginSource(nullptr);
  }

  std::string Sql(const std::string& sql) {  // as the fixture's superuser, in the service's database
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(cluster_->Url().c_str()), &PQfinish);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
    EXPECT_TRUE(PQresultStatus(result.get()) == PGRES_COMMAND_OK || PQresultStatus(result.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn.get());
    return PQntuples(result.get()) > 0 ? PQgetvalue(result.get(), 0, 0) : "";
  }

  std::string Admin(const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(cluster_->AdminUrl().c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
    EXPECT_TRUE(PQresultStatus(result.get()) == PGRES_COMMAND_OK || PQresultStatus(result.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn.get());
    return PQntuples(result.get()) > 0 ? PQgetvalue(result.get(), 0, 0) : "";
  }

  // The service's URL: no user, no password (they come from the secret).
  std::string Url() const { return "postgresql://127.0.0.1:" + std::to_string(cluster_->port()) + "/migration_test"; }

  bool LogsInWith(const std::string& password, const std::string& user = "app_login") const {
    const std::string url =
        "postgresql://" + user + ":" + password + "@127.0.0.1:" + std::to_string(cluster_->port()) + "/migration_test";
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
    return PQstatus(conn.get()) == CONNECTION_OK;
  }

  std::unique_ptr<testing::PostgresCluster> cluster_;
};

TEST_F(RotationTest, TheNextConnectionAfterARotationReadsTheSecretAgain) {
  const std::string secret = Unique("db-login-");
  const std::string arn = Aws({"secretsmanager", "create-secret", "--name", secret, "--query", "ARN", "--secret-string",
                               R"({"username":"app_login","password":"first-password-1"})"})
                              .output;
  const storage::aws::SecretsManagerClient client(RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                                  TestUserKey());
  auto source = std::make_shared<db::postgres::SecretLoginSource>([&] { return client.GetSecretString(arn); },
                                                                  std::chrono::milliseconds(0));
  db::postgres::SetLoginSource(source);

  {
    db::postgres::PgConnection first(Url());
    EXPECT_EQ(first.Exec({"who", "SELECT current_user"}).Text(0, 0), "app_login");
    db::postgres::PgConnection second(Url());
  }
  EXPECT_EQ(source->reads(), 1) << "cached between connections";

  // The rotation: the role's password and the secret change, as Secrets Manager's rotation does.
  Admin("ALTER ROLE app_login PASSWORD 'second-password-2'");
  Aws({"secretsmanager", "put-secret-value", "--secret-id", arn, "--secret-string",
       R"({"username":"app_login","password":"second-password-2"})"});
  ASSERT_FALSE(LogsInWith("first-password-1"))
      << "the server must refuse the old password for this test to mean anything";

  db::postgres::PgConnection after(Url());
  EXPECT_EQ(after.Exec({"who", "SELECT current_user"}).Text(0, 0), "app_login");
  EXPECT_EQ(source->reads(), 2) << "read again once, after the refusal";
  db::postgres::PgConnection cached_again(Url());
  EXPECT_EQ(source->reads(), 2);
}

TEST_F(RotationTest, ARefusalTheSecretDoesNotFixIsAnErrorWithoutThePassword) {
  const std::string arn = Aws({"secretsmanager", "create-secret", "--name", Unique("db-login-"), "--query", "ARN",
                               "--secret-string", R"({"username":"app_login","password":"not-the-password"})"})
                              .output;
  const storage::aws::SecretsManagerClient client(RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                                  TestUserKey());
  auto source = std::make_shared<db::postgres::SecretLoginSource>([&] { return client.GetSecretString(arn); },
                                                                  std::chrono::milliseconds(0));
  db::postgres::SetLoginSource(source);
  try {
    db::postgres::PgConnection connection(Url());
    FAIL() << "expected a refused login";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("authentication failed"), std::string::npos) << error.detail();
    EXPECT_EQ(error.detail().find("not-the-password"), std::string::npos) << error.detail();
  }
  EXPECT_EQ(source->reads(), 2) << "one read, one re-read after the refusal, then the error";
}

// A new cluster: the service's role does not exist, the tables belong to the master user. The
// service's login is refused, its secret read again and still refused, so the master login
// creates the role, with only its database's rights, and hands it the tables. Later, giving the
// service's secret a new password is a whole rotation: the next connection repairs the role.
TEST_F(RotationTest, TheMasterLoginCreatesAndRepairsTheServicesOwnRole) {
  Sql("CREATE TABLE departments (id bigint PRIMARY KEY, department text)");
  const std::string app_arn = Aws({"secretsmanager", "create-secret", "--name", Unique("db-app-"), "--query", "ARN",
                                   "--secret-string", R"({"username":"svc_app","password":"app-password-1"})"})
                                  .output;
  const std::string admin_arn = Aws({"secretsmanager", "create-secret", "--name", Unique("db-master-"), "--query",
                                     "ARN", "--secret-string", R"({"username":"migration","password":"the master's"})"})
                                    .output;
  const storage::aws::SecretsManagerClient client(RequiredEnv("TEST_S3_REGION"), RequiredEnv("TEST_S3_ENDPOINT_URL"),
                                                  TestUserKey());
  auto app = std::make_shared<db::postgres::SecretLoginSource>([&] { return client.GetSecretString(app_arn); },
                                                               std::chrono::milliseconds(0));
  auto admin = std::make_shared<db::postgres::SecretLoginSource>([&] { return client.GetSecretString(admin_arn); },
                                                                 std::chrono::milliseconds(0));
  db::postgres::SetLoginSource(app);
  db::postgres::SetAdminLoginSource(admin);

  {
    db::postgres::PgConnection first(Url());
    EXPECT_EQ(first.Exec({"who", "SELECT current_user"}).Text(0, 0), "svc_app");
    first.Exec({"write", "INSERT INTO departments VALUES (1, 'Ops')"});
    first.Exec({"migrate", "ALTER TABLE departments ADD COLUMN note text"});  // its own migrations
  }
  EXPECT_EQ(Sql("SELECT tableowner FROM pg_tables WHERE tablename = 'departments'"), "svc_app");
  EXPECT_EQ(Sql("SELECT rolsuper::text || rolcreaterole::text || rolcreatedb::text FROM pg_roles "
                "WHERE rolname = 'svc_app'"),
            "falsefalsefalse");
  EXPECT_EQ(admin->reads(), 1);

  // Rotation by the secret alone: a new password, the role not yet changed. A task that starts
  // now reads the new password, is refused, and repairs the role.
  Aws({"secretsmanager", "put-secret-value", "--secret-id", app_arn, "--secret-string",
       R"({"username":"svc_app","password":"app-password-2"})"});
  auto new_task = std::make_shared<db::postgres::SecretLoginSource>([&] { return client.GetSecretString(app_arn); },
                                                                    std::chrono::milliseconds(0));
  db::postgres::SetLoginSource(new_task);
  {
    db::postgres::PgConnection after(Url());
    EXPECT_EQ(after.Exec({"who", "SELECT current_user"}).Text(0, 0), "svc_app");
  }
  EXPECT_TRUE(LogsInWith("app-password-2", "svc_app"));
  EXPECT_FALSE(LogsInWith("app-password-1", "svc_app"));

  // A task that started before still holds the old password: refused once, it reads the new one.
  db::postgres::SetLoginSource(app);
  db::postgres::PgConnection older_task(Url());
  EXPECT_EQ(older_task.Exec({"who", "SELECT current_user"}).Text(0, 0), "svc_app");
  EXPECT_EQ(app->reads(), 3) << "read at start, again when the role did not exist yet, again now";
}

}  // namespace
}  // namespace migration
