// S3Client, MultipartWriter and S3ObjectStore against a small fake S3 on loopback: what goes on
// the wire (paths, canonical queries, x-amz-content-sha256, the session token, encryption headers,
// multipart calls) and how answers become results and errors. Signatures themselves are checked
// in http_call_test.cpp (AWS's vectors) and against moto in tests/integration/storage_s3_test.cpp.

#include "storage/s3/s3_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/error.hpp"
#include "storage/s3/canonical_request.hpp"
#include "storage/s3/multipart_writer.hpp"
#include "storage/s3/s3_object_store.hpp"
#include "storage/s3/s3_xml.hpp"
#include "storage/s3/sha256.hpp"
#include "support/s3_fake_server.hpp"

namespace migration::storage::s3 {
namespace {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> params;
  size_t start = 0;
  while (start < query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    params[UriDecode(pair.substr(0, eq), false)] = eq == std::string::npos ? "" : UriDecode(pair.substr(eq + 1), false);
    start = end + 1;
  }
  return params;
}

// Just enough of S3 for the client: objects, listings in pages, multipart uploads.
class FakeS3 {
 public:
  FakeS3() : server_([this](const FakeRequest& request) { return Handle(request); }) {}

  std::string url() const { return server_.url(); }
  std::vector<FakeRequest> requests() const { return server_.requests(); }
  void ClearRequests() { server_.ClearRequests(); }

  std::map<std::string, std::string> objects;
  std::map<std::string, std::map<int, std::string>> uploads;  // upload id -> parts
  std::atomic<int> fail_next{0};                              // answer the next N requests 503 SlowDown
  std::atomic<int> refuse_part{0};                            // answer UploadPart N with 403

 private:
  FakeReply Handle(const FakeRequest& request) {
    const std::lock_guard lock(mutex_);
    if (fail_next > 0) {
      --fail_next;
      return {503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>", {}};
    }
    if (request.Header("x-amz-content-sha256") != Sha256Hex(request.body)) {
      return {400, "<Error><Code>XAmzContentSHA256Mismatch</Code><Message>digest</Message></Error>", {}};
    }
    const std::string path = UriDecode(request.Path(), false);
    auto query = ParseQuery(request.Query());
    if (!path.starts_with("/bucket")) return {404, "<Error><Code>NoSuchBucket</Code><Message>no</Message></Error>", {}};
    const std::string key = path.size() > 8 ? path.substr(8) : "";
    if (key.empty() && request.method == "GET") return List(query);
    if (request.method == "POST" && query.contains("uploads")) {
      const std::string id = "upload-" + std::to_string(uploads.size() + 1);
      uploads[id];
      return {200,
              "<InitiateMultipartUploadResult><Key>" + key + "</Key><UploadId>" + id +
                  "</UploadId></InitiateMultipartUploadResult>",
              {}};
    }
    if (request.method == "PUT" && query.contains("partNumber")) {
      const int part = std::stoi(query["partNumber"]);
      if (part == refuse_part) return {403, "<Error><Code>AccessDenied</Code><Message>nope</Message></Error>", {}};
      if (!uploads.contains(query["uploadId"])) return {404, "<Error><Code>NoSuchUpload</Code></Error>", {}};
      uploads[query["uploadId"]][part] = request.body;
      return {200, "", {"ETag: \"part" + std::to_string(part) + "\""}};
    }
    if (request.method == "POST" && query.contains("uploadId")) {
      std::string whole;
      for (const auto& [number, bytes] : uploads[query["uploadId"]]) whole += bytes;
      objects[key] = whole;
      uploads.erase(query["uploadId"]);
      return {200, "<CompleteMultipartUploadResult><Key>" + key + "</Key></CompleteMultipartUploadResult>", {}};
    }
    if (request.method == "DELETE" && query.contains("uploadId")) {
      uploads.erase(query["uploadId"]);
      return {204, "", {}};
    }
    if (request.method == "PUT") {
      objects[key] = request.body;
      return {200, "", {"ETag: \"etag\""}};
    }
    if (request.method == "DELETE") {
      objects.erase(key);
      return {204, "", {}};
    }
    const auto it = objects.find(key);
    if (it == objects.end()) {
      return {
          404, request.method == "HEAD" ? "" : "<Error><Code>NoSuchKey</Code><Message>missing</Message></Error>", {}};
    }
    if (request.method == "HEAD") {
      return {200,
              "",
              {"Content-Length: " + std::to_string(it->second.size()), "Last-Modified: Fri, 27 Nov 2026 02:00:00 GMT"}};
    }
    return {200, it->second, {}};
  }

  FakeReply List(std::map<std::string, std::string>& query) {
    if (query["list-type"] != "2" || query["encoding-type"] != "url") return {400, "", {}};
    const int max_keys = query.contains("max-keys") ? std::stoi(query["max-keys"]) : 1000;
    std::string xml = "<ListBucketResult>";
    int count = 0;
    bool truncated = false;
    std::string last;
    for (const auto& [key, bytes] : objects) {
      if (!key.starts_with(query["prefix"])) continue;
      if (query.contains("continuation-token") && key <= query["continuation-token"]) continue;
      if (count == max_keys) {
        truncated = true;
        break;
      }
      xml += "<Contents><Key>" + UriEncode(key, true) +
             "</Key><LastModified>2026-11-27T02:00:00.000Z</LastModified>"
             "<Size>" +
             std::to_string(bytes.size()) + "</Size></Contents>";
      last = key;
      ++count;
    }
    xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated) xml += "<NextContinuationToken>" + XmlEscape(last) + "</NextContinuationToken>";
    return {200, xml + "</ListBucketResult>", {}};
  }

  std::mutex mutex_;
  FakeHttpServer server_;
};

class S3ClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<S3Client> Client(S3Config config = {}) {
    config.bucket = "bucket";
    config.endpoint_url = s3_.url() + "/";
    config.first_retry_delay = std::chrono::milliseconds(1);
    return std::make_shared<S3Client>(config, std::make_shared<StaticCredentialsProvider>(
                                                  Credentials{"AKIATEST", "secret", "session-token", std::nullopt}));
  }

  FakeS3 s3_;
};

TEST_F(S3ClientTest, PutSendsTheBodyItsDigestTheTokenAndEncryptionHeaders) {
  S3Config config;
  config.server_side_encryption = "aws:kms";
  config.sse_kms_key_id = "arn:aws:kms:eu-west-1:123:key/abc";
  auto client = Client(config);
  client->PutObject("uploads/a b+c.csv", "id,name\n1,x\n");
  const auto requests = s3_.requests();
  ASSERT_EQ(requests.size(), 1U);
  const FakeRequest& put = requests[0];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.target, "/bucket/uploads/a%20b%2Bc.csv");
  EXPECT_EQ(put.body, "id,name\n1,x\n");
  EXPECT_EQ(put.Header("x-amz-content-sha256"), Sha256Hex("id,name\n1,x\n"));
  EXPECT_EQ(put.Header("x-amz-security-token"), "session-token");
  EXPECT_EQ(put.Header("x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(put.Header("x-amz-server-side-encryption-aws-kms-key-id"), "arn:aws:kms:eu-west-1:123:key/abc");
  EXPECT_EQ(put.Header("content-type"), "application/octet-stream");
  const std::string authorization = put.Header("authorization");
  EXPECT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIATEST/")) << authorization;
  EXPECT_NE(authorization.find("/us-east-1/s3/aws4_request"), std::string::npos) << authorization;
  EXPECT_NE(authorization.find("x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-server-side-encryption"),
            std::string::npos)
      << authorization;
  EXPECT_EQ(authorization.find("secret"), std::string::npos);
  EXPECT_EQ(s3_.objects["uploads/a b+c.csv"], "id,name\n1,x\n");
}

TEST_F(S3ClientTest, GetHeadDeleteAndMissingObjects) {
  auto client = Client();
  s3_.objects["k"] = std::string(300000, 'z');
  std::string received;
  client->GetObject("k", [&](std::string_view chunk) { received.append(chunk); });
  EXPECT_EQ(received, std::string(300000, 'z'));
  EXPECT_EQ(s3_.requests().back().Header("x-amz-content-sha256"), kEmptySha256);

  const auto info = client->HeadObject("k");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 300000U);
  EXPECT_EQ(info->last_modified, "2026-11-27T02:00:00Z");
  EXPECT_FALSE(client->HeadObject("nope"));

  try {
    client->GetObject("nope", [](std::string_view) {});
    FAIL() << "expected kNotFound";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kNotFound);
    EXPECT_NE(error.detail().find("s3://bucket/nope"), std::string::npos) << error.detail();
  }
  client->DeleteObject("k");
  client->DeleteObject("k");  // missing: not an error
  EXPECT_FALSE(client->HeadObject("k"));
}

TEST_F(S3ClientTest, ListSendsACanonicalQueryAndFollowsContinuationTokens) {
  S3Config config;
  config.list_page_size = 2;
  auto store = std::make_shared<S3ObjectStore>(Client(config), "pre/fix", 8 << 20);
  for (const std::string key : {"a/1", "a/2", "a/3 x", "a/4", "a/5", "b/1"}) s3_.objects["pre/fix/" + key] = key;
  s3_.objects["other/a/1"] = "x";
  const auto objects = store->List("a/");
  ASSERT_EQ(objects.size(), 5U);
  EXPECT_EQ(objects[0].key, "a/1");
  EXPECT_EQ(objects[2].key, "a/3 x");
  EXPECT_EQ(objects[2].size, 5U);
  EXPECT_EQ(objects[4].key, "a/5");
  EXPECT_EQ(objects[0].last_modified, "2026-11-27T02:00:00Z");
  const auto requests = s3_.requests();
  ASSERT_EQ(requests.size(), 3U);  // pages of 2, 2 and 1
  EXPECT_EQ(requests[0].target, "/bucket?encoding-type=url&list-type=2&max-keys=2&prefix=pre%2Ffix%2Fa%2F");
  EXPECT_EQ(
      requests[1].target,
      "/bucket?continuation-token=pre%2Ffix%2Fa%2F2&encoding-type=url&list-type=2&max-keys=2&prefix=pre%2Ffix%2Fa%2F");
  EXPECT_EQ(store->List("c/").size(), 0U);
  EXPECT_EQ(store->List("").size(), 6U);
}

TEST_F(S3ClientTest, ThrottlingIsRetriedThenReportedAsUnavailable) {
  auto client = Client();
  s3_.fail_next = 2;
  client->PutObject("k", "v");  // third attempt succeeds
  EXPECT_EQ(s3_.requests().size(), 3U);
  s3_.ClearRequests();
  s3_.fail_next = 3;
  try {
    client->PutObject("k", "v");
    FAIL() << "expected kUnavailable";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(error.detail().find("503 SlowDown"), std::string::npos) << error.detail();
  }
  EXPECT_EQ(s3_.requests().size(), 3U);
}

TEST_F(S3ClientTest, ARefusalIsInternalWithS3sCodeAndIsNotRetried) {
  auto client = Client();
  auto writer = std::make_unique<MultipartWriter>(client, "k", "k", 4);
  s3_.refuse_part = 1;
  try {
    writer->Write("0123456789");
    FAIL() << "expected an error";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kInternal);
    EXPECT_NE(error.detail().find("403 AccessDenied: nope"), std::string::npos) << error.detail();
  }
  // The failed write aborted the upload: S3 keeps no parts.
  EXPECT_TRUE(s3_.uploads.empty());
  EXPECT_EQ(s3_.requests().back().method, "DELETE");
  EXPECT_EQ(s3_.requests().back().Query(), "uploadId=upload-1");
  EXPECT_THROW(writer->Write("x"), core::Error);
}

TEST_F(S3ClientTest, AnUnreachableEndpointIsUnavailableQuickly) {
  std::string dead;
  {
    const FakeHttpServer closed;
    dead = closed.url();
  }
  S3Config config;
  config.bucket = "bucket";
  config.endpoint_url = dead;
  config.first_retry_delay = std::chrono::milliseconds(10);
  S3Client client(config, std::make_shared<StaticCredentialsProvider>(Credentials{"A", "S", "", std::nullopt}));
  const auto start = std::chrono::steady_clock::now();
  try {
    client.PutObject("k", "v");
    ADD_FAILURE() << "expected kUnavailable";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(S3ClientTest, ASmallObjectIsOnePutAtFinish) {
  auto client = Client();
  for (const std::string& body : {std::string(), std::string("abc"), std::string(10, 'x')}) {
    s3_.ClearRequests();
    MultipartWriter writer(client, "small", "small", 10);
    writer.Write(body);
    EXPECT_TRUE(s3_.requests().empty());  // nothing leaves before Finish
    const ObjectInfo info = writer.Finish();
    EXPECT_EQ(info.key, "small");
    EXPECT_EQ(info.size, body.size());
    const auto requests = s3_.requests();
    ASSERT_EQ(requests.size(), 1U) << body.size();
    EXPECT_EQ(requests[0].method, "PUT");
    EXPECT_EQ(requests[0].Query(), "");
    EXPECT_EQ(s3_.objects["small"], body);
  }
}

TEST_F(S3ClientTest, ALargeObjectGoesInPartsInAnyChunking) {
  S3Config config;
  config.server_side_encryption = "AES256";
  auto client = Client(config);
  std::string body;
  for (int i = 0; i < 95; ++i) body.push_back(static_cast<char>('a' + i % 26));
  for (const size_t chunk : {size_t{1}, size_t{7}, size_t{10}, size_t{95}}) {
    s3_.ClearRequests();
    MultipartWriter writer(client, "big", "big", 10);
    for (size_t i = 0; i < body.size(); i += chunk) writer.Write(std::string_view(body).substr(i, chunk));
    EXPECT_EQ(writer.Finish().size, 95U);
    EXPECT_EQ(writer.parts_uploaded(), 10);
    EXPECT_EQ(s3_.objects["big"], body) << chunk;
    const auto requests = s3_.requests();
    ASSERT_EQ(requests.size(), 12U);  // create, 10 parts, complete
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].Query(), "uploads=");
    EXPECT_EQ(requests[0].Header("x-amz-server-side-encryption"), "AES256");
    EXPECT_TRUE(requests[1].Query().starts_with("partNumber=1&uploadId=upload-")) << requests[1].Query();
    EXPECT_TRUE(requests[1].Header("x-amz-server-side-encryption").empty());  // only on create
    EXPECT_EQ(requests[10].body, body.substr(90));                            // the last part is the remainder
    EXPECT_EQ(requests[11].method, "POST");
    EXPECT_NE(requests[11].body.find("<Part><PartNumber>10</PartNumber><ETag>&quot;part10&quot;</ETag></Part>"),
              std::string::npos);
  }
  EXPECT_TRUE(s3_.uploads.empty());
}

TEST_F(S3ClientTest, AbortOrDestructionBeforeFinishLeavesNothing) {
  auto client = Client();
  {
    MultipartWriter writer(client, "gone", "gone", 10);
    writer.Write(std::string(25, 'x'));
    EXPECT_EQ(s3_.uploads.size(), 1U);
  }  // destroyed unfinished
  EXPECT_TRUE(s3_.uploads.empty());
  EXPECT_FALSE(s3_.objects.contains("gone"));

  MultipartWriter writer(client, "gone", "gone", 10);
  writer.Write(std::string(25, 'x'));
  writer.Abort();
  writer.Abort();  // twice is fine
  EXPECT_TRUE(s3_.uploads.empty());
  EXPECT_THROW(writer.Finish(), core::Error);
  EXPECT_FALSE(s3_.objects.contains("gone"));

  s3_.ClearRequests();
  {
    MultipartWriter small(client, "small", "small", 10);
    small.Write("abc");
  }
  EXPECT_TRUE(s3_.requests().empty());  // nothing was sent, nothing to abort
}

TEST_F(S3ClientTest, TheStoreKeepsKeysUnderItsPrefix) {
  S3ObjectStore store(Client(), "backups", 8 << 20);
  store.Put("jobs/1.avro", "data");
  EXPECT_EQ(s3_.objects["backups/jobs/1.avro"], "data");
  EXPECT_EQ(store.Location("jobs/1.avro"), "s3://bucket/backups/jobs/1.avro");
  EXPECT_EQ(store.Get("jobs/1.avro"), "data");
  EXPECT_EQ(store.Head("jobs/1.avro")->key, "jobs/1.avro");
  auto writer = store.OpenWriter("jobs/2.avro");
  writer->Write("more");
  EXPECT_EQ(writer->Finish().key, "jobs/2.avro");
  const auto listed = store.List("jobs/");
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[1].key, "jobs/2.avro");
  store.Delete("jobs/1.avro");
  EXPECT_FALSE(store.Head("jobs/1.avro"));
  EXPECT_THROW(store.Put("", "x"), core::Error);
}

TEST_F(S3ClientTest, TheStorePresignsKeysUnderItsPrefixWithoutARequest) {
  S3ObjectStore store(Client(), "svc", 8 << 20);
  EXPECT_TRUE(store.SupportsPresignedUrls());
  const std::string url =
      store.PresignUrl("PUT", "uploads/a b.csv", {{"partNumber", "1"}, {"uploadId", "u/1"}}, std::chrono::seconds(600));
  EXPECT_TRUE(url.starts_with(s3_.url() + "/bucket/svc/uploads/a%20b.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&")) << url;
  EXPECT_NE(url.find("&X-Amz-Credential=AKIATEST%2F"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Expires=600&"), std::string::npos) << url;
  // The provider's session token goes with the URL.
  EXPECT_NE(url.find("&X-Amz-Security-Token=session-token&"), std::string::npos) << url;
  EXPECT_NE(url.find("&partNumber=1&uploadId=u%2F1&X-Amz-Signature="), std::string::npos) << url;
  EXPECT_TRUE(s3_.requests().empty());  // signing is local
  EXPECT_THROW(store.PresignUrl("GET", "", {}, std::chrono::seconds(60)), core::Error);
  try {
    store.PresignUrl("GET", "k", {}, std::chrono::seconds(8 * 24 * 3600));
    ADD_FAILURE() << "8 days accepted";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
  }
}

TEST_F(S3ClientTest, StartMultipartUploadCreatesOneUnderThePrefixWithTheStoresEncryption) {
  S3Config config;
  config.server_side_encryption = "AES256";
  S3ObjectStore store(Client(config), "svc", 8 << 20);
  EXPECT_EQ(store.StartMultipartUpload("uploads/big.csv"), "upload-1");
  const auto requests = s3_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/bucket/svc/uploads/big.csv?uploads=");
  EXPECT_EQ(requests[0].Header("x-amz-server-side-encryption"), "AES256");
  EXPECT_TRUE(s3_.uploads.contains("upload-1"));
}

}  // namespace
}  // namespace migration::storage::s3
