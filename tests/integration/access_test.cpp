// API keys, read-only keys, the rate limit and CORS, over real HTTP against the built binary.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/access/api_keys.hpp"
#include "support/http_client.hpp"
#include "support/jwt_tokens.hpp"
#include "support/server_process.hpp"
#include "support/test_database.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

std::string HexDigest(std::string_view key) {
  const auto digest = api::access::Sha256(key);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (const auto byte : digest) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

class AccessTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args) {
    database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
    server_ = std::make_unique<ServerProcess>(database_->url(), std::move(args));
  }
  std::string Url(const std::string& path) const { return server_->Url(path); }
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AccessTest, KeysAreRequiredOnEveryV1RouteGroupAndOnlyThere) {
  Start({"--api-keys", "ci:" + HexDigest("good-key") + ",auditor:" + HexDigest("read-key") + ":read"});
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/departments"},         {"GET", "/v1/departments/1"}, {"POST", "/v1/departments"},
      {"POST", "/v1/departments/upload"}, {"GET", "/v1/loads"},         {"GET", "/v1/reports/hires-by-quarter"}};
  const std::string body = R"([{"id": 1, "department": "Sales"}])";
  for (const auto& [method, path] : routes) {
    const std::string type = path.ends_with("upload") ? "text/csv" : "application/json";
    const std::string payload = path.ends_with("upload") ? "1,Sales\n" : body;
    const HttpResponse none = Request(method, Url(path), payload, {"Content-Type: " + type});
    EXPECT_EQ(none.status, 401) << method << " " << path;
    EXPECT_FALSE(none.Header("www-authenticate").empty());
    EXPECT_EQ(Request(method, Url(path), payload, {"Content-Type: " + type, "X-API-Key: wrong"}).status, 401);
    // A key that was configured once and then removed ("revoked") is just as unknown.
    EXPECT_EQ(Request(method, Url(path), payload, {"Content-Type: " + type, "Authorization: Bearer revoked"}).status,
              401);
    const HttpResponse good =
        Request(method, Url(path), payload, {"Content-Type: " + type, "Authorization: Bearer good-key"});
    EXPECT_NE(good.status, 401) << method << " " << path;
    EXPECT_NE(good.status, 403) << method << " " << path;
    const HttpResponse reader = Request(method, Url(path), payload, {"Content-Type: " + type, "X-API-Key: read-key"});
    EXPECT_EQ(reader.status == 403, method == "POST") << method << " " << path << ": " << reader.status;
  }
  // Health, metrics and docs stay open for load balancers and scrapers.
  EXPECT_EQ(Get(Url("/healthz")).status, 200);
  EXPECT_EQ(Get(Url("/readyz")).status, 200);
  EXPECT_EQ(Get(Url("/")).status, 200);
  // The key's name, never the key, is in the access log.
  const std::string log = server_->Log();
  EXPECT_NE(log.find("\"ci\""), std::string::npos);
  EXPECT_EQ(log.find("good-key"), std::string::npos);
}

TEST_F(AccessTest, BearerJwtsAreVerifiedBesideApiKeys) {
  const RsaKeyPair keys = MakeRsaKeyPair();
  const std::string key_file = ::testing::TempDir() + "/migration-jwt-public.pem";
  std::ofstream(key_file) << keys.public_pem;
  Start({"--environment", "production", "--jwt-key-file", key_file, "--jwt-issuer", "https://issuer.example",
         "--jwt-audience", "migration-api", "--api-keys", "ci:" + HexDigest("good-key")});
  const std::string read_url = Url("/v1/reports/hires-by-quarter");
  const std::string write_url = Url("/v1/departments");
  const std::string body = R"([{"id": 7, "department": "Legal"}])";
  auto bearer = [](const std::string& token) { return "Authorization: Bearer " + token; };

  const std::string good = MintToken("RS256", keys.private_pem, {});
  EXPECT_EQ(Request("GET", read_url, "", {bearer(good)}).status, 200);
  EXPECT_EQ(Request("POST", write_url, body, {"Content-Type: application/json", bearer(good)}).status, 201);
  EXPECT_EQ(Request("GET", read_url, "", {"X-API-Key: good-key"}).status, 200);  // keys still work

  TokenClaims expired;
  expired.expires_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
      3600;
  TokenClaims other_audience;
  other_audience.audience = "billing-api";
  const RsaKeyPair stranger = MakeRsaKeyPair();
  for (const auto& [what, token] : std::vector<std::pair<std::string, std::string>>{
           {"expired", MintToken("RS256", keys.private_pem, expired)},
           {"wrong audience", MintToken("RS256", keys.private_pem, other_audience)},
           {"wrong signature", MintToken("RS256", stranger.private_pem, {})},
           {"HS256 keyed with the public key", MintToken("HS256", keys.public_pem, {})}}) {
    const HttpResponse refused = Request("GET", read_url, "", {bearer(token)});
    EXPECT_EQ(refused.status, 401) << what;
    EXPECT_NE(refused.Header("www-authenticate").find("invalid_token"), std::string::npos) << what;
  }

  TokenClaims reader;
  reader.scope = "migration:read";
  const std::string read_token = MintToken("RS256", keys.private_pem, reader);
  EXPECT_EQ(Request("GET", read_url, "", {bearer(read_token)}).status, 200);
  EXPECT_EQ(Request("POST", write_url, body, {"Content-Type: application/json", bearer(read_token)}).status, 403);

  // The token's subject names the caller in the access log; the token itself is never written.
  const std::string log = server_->Log();
  EXPECT_NE(log.find("jwt:reporting-job"), std::string::npos);
  EXPECT_EQ(log.find(good), std::string::npos);
  std::remove(key_file.c_str());
}

TEST_F(AccessTest, ProductionWithoutKeysRefusesToStart) {
  database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
  EXPECT_THROW(ServerProcess(database_->url(), {"--environment", "production"}), std::runtime_error);
}

TEST_F(AccessTest, ABurstOverTheRateLimitGets429WithRetryAfter) {
  Start({"--rate-limit-rps", "5"});
  int ok = 0;
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 30; ++i) {
    const HttpResponse response = Get(Url("/v1/departments"));
    if (response.status == 200) ++ok;
    if (response.status == 429) {
      ++limited;
      retry_after = response.Header("retry-after");
    }
  }
  EXPECT_GE(ok, 10);  // the burst (2 x rate)
  EXPECT_GT(limited, 0);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_EQ(Get(Url("/healthz")).status, 200);  // health is never limited
}

TEST_F(AccessTest, CorsPreflightAndHeadersFollowTheAllowList) {
  Start({"--cors-allowed-origins", "https://app.example.com"});
  const HttpResponse preflight = Request("OPTIONS", Url("/v1/departments"), "",
                                         {"Origin: https://app.example.com", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_NE(preflight.Header("access-control-allow-methods").find("POST"), std::string::npos);
  const HttpResponse get = Request("GET", Url("/v1/departments"), "", {"Origin: https://app.example.com"});
  EXPECT_EQ(get.Header("access-control-allow-origin"), "https://app.example.com");
  const HttpResponse other = Request("GET", Url("/v1/departments"), "", {"Origin: https://evil.example.com"});
  EXPECT_TRUE(other.Header("access-control-allow-origin").empty());
}

TEST_F(AccessTest, ASlowClientIsCutOffByTheHeaderTimeoutWhileOthersAreServed) {
  Start({"--header-timeout-seconds", "2"});
  RawConnection slow(server_->port());
  slow.Send("GET /healthz HTTP/1.1\r\n");  // and then nothing more
  EXPECT_EQ(Get(Url("/healthz")).status, 200);
  const auto started = std::chrono::steady_clock::now();
  slow.ReceiveUntilClosed();  // the server closes it
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace migration::testing

namespace migration::testing {
namespace {

// Past MAX_IN_FLIGHT_LOADS a new load is answered 503 + Retry-After at once (not queued), and
// the slot is free again once the running load ends. An upload takes its slot when its load starts
// (once its body is complete): here that load is held up by a lock on departments that the test
// keeps (SHARE: it blocks writes, not reads).
TEST(LoadCapTest, LoadsBeyondTheCapGet503UntilARunningOneEnds) {
  const TestDatabase database(Backend::kPostgres);
  const ServerProcess server(database.url(), {"--max-in-flight-loads", "1"});
  const std::string batch = R"([{"id": 1, "department": "Sales"}])";
  std::unique_ptr<PGconn, decltype(&PQfinish)> holder(PQconnectdb(database.url().c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(holder.get()), CONNECTION_OK) << PQerrorMessage(holder.get());
  auto exec = [&holder](const char* sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(holder.get(), sql), &PQclear);
    ASSERT_EQ(PQresultStatus(result.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(holder.get());
  };
  exec("BEGIN");
  exec("LOCK TABLE departments IN SHARE MODE");
  HttpResponse uploaded;
  std::thread upload([&] { uploaded = Post(server.Url("/v1/departments/upload"), "2,Research\n", "text/csv"); });
  // Until the upload's load is recorded as running: it holds the only slot from then on. (EXPECT,
  // not ASSERT: the lock must still be released and the upload thread joined below.)
  nlohmann::json loads;
  EXPECT_TRUE(WaitUntil(
      [&] {
        loads = Get(server.Url("/v1/loads")).Json()["items"];
        return !loads.empty() && loads[0]["status"] == "running";
      },
      std::chrono::seconds(5)))
      << "the upload's load never ran: " << loads.dump() << "\n"
      << server.Log();
  const HttpResponse refused = Post(server.Url("/v1/departments"), batch, "application/json");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.Header("retry-after"), "5");
  EXPECT_NE(refused.Json()["detail"].get<std::string>().find("loads are running"), std::string::npos);
  EXPECT_EQ(Get(server.Url("/v1/departments")).status, 200);  // reads are not loads
  exec("COMMIT");                                             // the running load goes on, ends, and frees the slot
  upload.join();
  EXPECT_EQ(uploaded.status, 201) << uploaded.body;
  HttpResponse accepted;
  WaitUntil(
      [&] {
        accepted = Post(server.Url("/v1/departments"), batch, "application/json");
        return accepted.status != 503;
      },
      std::chrono::seconds(2));
  EXPECT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM departments"), 2);
}

}  // namespace
}  // namespace migration::testing
