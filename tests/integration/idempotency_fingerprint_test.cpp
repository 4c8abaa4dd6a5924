// Issue 11, item 8: an Idempotency-Key is stored with a fingerprint of its request (SHA-256 of
// method, path, query and body; for uploads, of the file's bytes as they stream). The same key
// with a different body or query used to replay the first response silently and load nothing; now
// it is a 422 problem that loads nothing. Keys expire (IDEMPOTENCY_KEY_TTL_HOURS) and expired keys
// are purged.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

class IdempotencyFingerprintTest : public ApiTest {
 protected:
  HttpResponse PostWithKey(const std::string& path, const std::string& body, const std::string& type,
                           const std::string& key) {
    return Request("POST", Url(path), body, {"Content-Type: " + type, "Idempotency-Key: " + key});
  }
  long long Loads() const { return database_->QueryInt("SELECT count(*) FROM loads"); }
  // Makes every stored key `minutes` older, as if it had been sent that long ago.
  void AgeKeys(const std::string& where, int minutes) const {
    const std::string m = std::to_string(minutes);
    if (database_->backend() == Backend::kSqlite) {
      database_->Execute("UPDATE idempotency_keys SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-" + m +
                         " minutes') WHERE " + where);
    } else {
      database_->Execute("UPDATE idempotency_keys SET created_at = now() - interval '" + m + " minutes' WHERE " +
                         where);
    }
  }
  static void ExpectKeyReused(const HttpResponse& response) {
    EXPECT_EQ(response.status, 422) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json");
    EXPECT_TRUE(response.Header("idempotent-replayed").empty());
    EXPECT_NE(response.Json()["detail"].get<std::string>().find("Idempotency-Key was already used"), std::string::npos)
        << response.body;
  }
};

TEST_P(IdempotencyFingerprintTest, ABatchRetriedWithAnotherBodyOrQueryIsRefusedAndLoadsNothing) {
  const std::string body = R"([{"id": 1, "department": "Sales"}])";
  const HttpResponse first =
      PostWithKey("/v1/departments?on_conflict=reject&atomic=false", body, "application/json", "batch-1");
  ASSERT_EQ(first.status, 201) << first.body;

  ExpectKeyReused(PostWithKey("/v1/departments?on_conflict=reject&atomic=false",
                              R"([{"id": 2, "department": "Research"}])", "application/json", "batch-1"));
  ExpectKeyReused(PostWithKey("/v1/departments?on_conflict=update&atomic=false", body, "application/json", "batch-1"));
  ExpectKeyReused(PostWithKey("/v1/departments", body, "application/json", "batch-1"));
  EXPECT_EQ(CountRows("departments"), 1);
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments WHERE id = 2"), 0);
  EXPECT_EQ(Loads(), 1);

  // The same request again, its query parameters in another order: the first response, replayed.
  const HttpResponse again =
      PostWithKey("/v1/departments?atomic=false&on_conflict=reject", body, "application/json", "batch-1");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Loads(), 1);
}

TEST_P(IdempotencyFingerprintTest, AnUploadIsFingerprintedByTheFileItStreams) {
  const std::string csv = "1,Sales\n2,Research\n";
  const HttpResponse first = PostWithKey("/v1/departments/upload", csv, "text/csv", "upload-1");
  ASSERT_EQ(first.status, 201) << first.body;

  // Another file under the same key: refused once its bytes are in, nothing loaded.
  ExpectKeyReused(PostWithKey("/v1/departments/upload", "1,Sales\n2,Research\n3,Legal\n", "text/csv", "upload-1"));
  ExpectKeyReused(PostWithKey("/v1/departments/upload?on_conflict=skip", csv, "text/csv", "upload-1"));
  EXPECT_EQ(CountRows("departments"), 2);
  EXPECT_EQ(Loads(), 1);

  // The same file as multipart/form-data, with a boundary of its own: the same upload.
  const std::string boundary = "retry-boundary-7f3a";
  const std::string multipart = "--" + boundary +
                                "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"departments.csv\"\r\n"
                                "Content-Type: text/csv\r\n\r\n" +
                                csv + "\r\n--" + boundary + "--\r\n";
  const HttpResponse again =
      PostWithKey("/v1/departments/upload", multipart, "multipart/form-data; boundary=" + boundary, "upload-1");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Loads(), 1);
}

TEST_P(IdempotencyFingerprintTest, KeysExpireAfterTheirLifetime) {
  server_ =
      std::make_unique<ServerProcess>(database_->url(), std::vector<std::string>{"--idempotency-key-ttl-hours", "1"});
  const std::string body = R"([{"id": 1, "department": "Sales"}])";
  const HttpResponse first = PostWithKey("/v1/departments", body, "application/json", "ttl-1");
  ASSERT_EQ(first.status, 201) << first.body;

  AgeKeys("key = 'ttl-1'", 59);  // still within the hour: replayed
  const HttpResponse replayed = PostWithKey("/v1/departments", body, "application/json", "ttl-1");
  EXPECT_EQ(replayed.status, 201);
  EXPECT_EQ(replayed.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Loads(), 1);

  AgeKeys("key = 'ttl-1'", 61);  // expired: a new request, a new load (its row is now a duplicate)
  const HttpResponse fresh = PostWithKey("/v1/departments", body, "application/json", "ttl-1");
  EXPECT_EQ(fresh.status, 422) << fresh.body;
  EXPECT_TRUE(fresh.Header("idempotent-replayed").empty());
  EXPECT_EQ(fresh.Json()["rows_rejected"], 1) << fresh.body;
  EXPECT_EQ(Loads(), 2);
  // The key now names the new load, and replays it.
  const HttpResponse replay_of_new = PostWithKey("/v1/departments", body, "application/json", "ttl-1");
  EXPECT_EQ(replay_of_new.body, fresh.body);
  EXPECT_EQ(replay_of_new.Header("idempotent-replayed"), "true");
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM idempotency_keys"), 1);

  // An upload under an expired key is loaded as new as well.
  ASSERT_EQ(PostWithKey("/v1/jobs/upload", "1,Engineer\n", "text/csv", "ttl-2").status, 201);
  AgeKeys("key = 'ttl-2'", 61);
  const HttpResponse upload = PostWithKey("/v1/jobs/upload", "1,Engineer\n", "text/csv", "ttl-2");
  EXPECT_EQ(upload.status, 422) << upload.body;  // the job exists now: a duplicate, in a new load
  EXPECT_TRUE(upload.Header("idempotent-replayed").empty());
  EXPECT_EQ(Loads(), 4);
}

TEST_P(IdempotencyFingerprintTest, ExpiredKeysArePurged) {
  server_ =
      std::make_unique<ServerProcess>(database_->url(), std::vector<std::string>{"--idempotency-key-ttl-hours", "1"});
  for (int i = 1; i <= 3; ++i) {
    const std::string body = R"([{"id": )" + std::to_string(i) + R"(, "department": "D"}])";
    ASSERT_EQ(PostWithKey("/v1/departments", body, "application/json", "purge-" + std::to_string(i)).status, 201);
  }
  AgeKeys("key IN ('purge-1', 'purge-2')", 61);
  // The server purges on start (and every 10 minutes after).
  server_->Restart();
  WaitUntil([&] { return database_->QueryInt("SELECT count(*) FROM idempotency_keys") <= 1; }, std::chrono::seconds(15),
            std::chrono::milliseconds(50));
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM idempotency_keys"), 1) << server_->Log();
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM idempotency_keys WHERE key = 'purge-3'"), 1);
  EXPECT_NE(server_->Log().find("idempotency_keys_purged"), std::string::npos) << server_->Log();
  EXPECT_EQ(CountRows("departments"), 3);  // the loads and their rows stay
}

MIGRATION_ON_BOTH_BACKENDS(IdempotencyFingerprintTest);

}  // namespace
}  // namespace migration::testing
