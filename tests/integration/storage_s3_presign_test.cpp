// Presigned URLs (ObjectStore::PresignUrl, StartMultipartUpload) against the real S3 endpoint the
// suite starts: moto_server, with signature checking on (scripts/test-servers.sh). The client is
// the plain curl program with no AWS credentials at all: only the URL authorizes its request.
//
// What checks these URLs: moto itself does not. moto 5.2.1 (and its main branch) has no
// query-string SigV4 check: with IAM checks on, every request without an Authorization header
// fails in its header parser (a 500, valid URL or not), and with them off any URL passes. The
// moto wrapper in scripts/test-servers.sh checks them as S3 documents — auth parameters, expiry
// (X-Amz-Date + X-Amz-Expires), the signature recomputed by botocore's own S3 presigner with the
// secret moto holds, then moto's IAM policy — and test-servers.sh refuses to run the suite unless
// a valid botocore URL passes and a wrongly signed and an expired one are refused. So a URL we
// sign wrongly, one that outlives its expiry, or one a client changed fails these tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/s3_object_store.hpp"
#include "storage/s3/s3_xml.hpp"
#include "support/command.hpp"
#include "support/test_env.hpp"

namespace migration::storage::s3 {
namespace {

namespace fs = std::filesystem;

using ::migration::testing::RequiredEnv;
using std::chrono::seconds;

std::string Pattern(uint64_t seed, size_t size) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

struct CurlResult {
  int status = 0;     // HTTP status; 0 when curl got no answer
  std::string etag;   // the ETag header, as S3 sent it (quoted)
  std::string body;   // the response body
  std::string trace;  // what curl printed, for failure messages
};

class S3PresignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = RequiredEnv("TEST_S3_BUCKET");
    S3Config config;
    config.bucket = bucket_;
    config.region = RequiredEnv("TEST_S3_REGION");
    config.endpoint_url = RequiredEnv("TEST_S3_ENDPOINT_URL");
    auto client = std::make_shared<S3Client>(
        config, std::make_shared<StaticCredentialsProvider>(Credentials{
                    RequiredEnv("TEST_S3_ACCESS_KEY_ID"), RequiredEnv("TEST_S3_SECRET_ACCESS_KEY"), "", std::nullopt}));
    std::random_device random;
    run_ = "presign-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000);
    store_ = std::make_unique<S3ObjectStore>(client, run_, 8 << 20);
  }

  void TearDown() override {
    for (const fs::path& file : files_) fs::remove(file);
  }

  fs::path WriteFile(const std::string& name, const std::string& bytes) {
    const fs::path path = fs::temp_directory_path() / (run_ + "-" + name);
    std::ofstream(path, std::ios::binary) << bytes;
    files_.push_back(path);
    return path;
  }

  // curl with nothing of the user's configuration (-q: no .curlrc), no proxy, no credentials.
  // `upload`: a file sent as the body. "Expect:" off: curl would wait for a 100 Continue first.
  CurlResult Curl(const std::string& method, const std::string& url, const fs::path& upload = {},
                  const std::string& content_type = "") {
    const fs::path body = fs::temp_directory_path() / (run_ + "-response");
    std::vector<std::string> args = {
        "curl", "-q",     "-sS", "--noproxy", "*", "-X", method, "-o", body, "-w", "%{http_code} %header{etag}",
        "-H",   "Expect:"};
    if (!upload.empty()) args.insert(args.end(), {"--data-binary", "@" + upload.string()});
    // Without one, curl would label a --data-binary body as a form (not signed either way).
    args.insert(args.end(),
                {"-H", "Content-Type: " + (content_type.empty() ? "application/octet-stream" : content_type)});
    args.push_back(url);
    const auto result = testing::RunProgram(args);
    CurlResult out;
    out.trace = result.output;
    const size_t space = result.output.find(' ');
    const std::string code = result.output.substr(0, std::min(space, result.output.size()));
    std::from_chars(code.data(), code.data() + code.size(), out.status);  // stays 0 when not a number
    if (space != std::string::npos) out.etag = result.output.substr(space + 1);
    std::ifstream in(body, std::ios::binary);
    out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    fs::remove(body);
    return out;
  }

  std::string bucket_, run_;
  std::unique_ptr<S3ObjectStore> store_;
  std::vector<fs::path> files_;
};

TEST_F(S3PresignTest, APresignedPutFromCurlLandsTheObjectAndAPresignedGetReadsItBack) {
  ASSERT_TRUE(store_->SupportsPresignedUrls());
  // A key that needs encoding in the URL's path, and every byte value in the body.
  const std::string key = "uploads/direct/a b+c=d&e caf\xC3\xA9.csv";
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  body += Pattern(1, 100'000);
  const fs::path file = WriteFile("put.bin", body);

  const std::string put_url = store_->PresignUrl("PUT", key, {}, seconds(300));
  const CurlResult put = Curl("PUT", put_url, file);
  ASSERT_EQ(put.status, 200) << put.trace << put.body;
  EXPECT_FALSE(put.etag.empty()) << put.trace;

  // Seen through the store (signed requests of its own): the same bytes.
  const auto info = store_->Head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, body.size());
  EXPECT_TRUE(store_->Get(key) == body);

  const CurlResult get = Curl("GET", store_->PresignUrl("GET", key, {}, seconds(300)));
  ASSERT_EQ(get.status, 200) << get.trace << get.body;
  EXPECT_TRUE(get.body == body);

  // The method is under the signature: the PUT URL reads nothing, the GET URL writes nothing.
  EXPECT_EQ(Curl("GET", put_url).status, 403);
  const CurlResult overwrite = Curl("PUT", store_->PresignUrl("GET", key, {}, seconds(300)), WriteFile("x", "x"));
  EXPECT_EQ(overwrite.status, 403) << overwrite.body;
  EXPECT_TRUE(store_->Get(key) == body);
}

TEST_F(S3PresignTest, AnExpiredUrlIsRefusedAndStoresNothing) {
  const std::string key = "uploads/direct/expired.csv";
  const fs::path file = WriteFile("expired.csv", "id,name\n1,x\n");
  const std::string url = store_->PresignUrl("PUT", key, {}, seconds(1));

  // X-Amz-Date is whole seconds: the URL is good until that second + 1 s. Wait past it.
  const size_t at = url.find("X-Amz-Date=");
  ASSERT_NE(at, std::string::npos) << url;
  const std::string date = url.substr(at + 11, 16);  // 20261207T210838Z
  const std::string rfc3339 = date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 2) + "T" +
                              date.substr(9, 2) + ":" + date.substr(11, 2) + ":" + date.substr(13, 2) + "Z";
  const std::optional<int64_t> signed_at = core::ParseRfc3339(rfc3339);
  ASSERT_TRUE(signed_at) << date;
  const int64_t expired_at = *signed_at + 2'000'000;  // one second past the end, for clock granularity
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (core::NowMicros() <= expired_at) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the clock did not pass " << rfc3339 << " + 2 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  const CurlResult put = Curl("PUT", url, file);
  EXPECT_EQ(put.status, 403) << put.trace << put.body;
  EXPECT_NE(put.body.find("<Code>AccessDenied</Code>"), std::string::npos) << put.body;
  EXPECT_NE(put.body.find("expired"), std::string::npos) << put.body;
  EXPECT_FALSE(store_->Head(key));

  // Stretching the expiry in the URL breaks the signature instead.
  std::string stretched = url;
  const size_t expires = stretched.find("X-Amz-Expires=1&");
  ASSERT_NE(expires, std::string::npos) << url;
  stretched.replace(expires, 16, "X-Amz-Expires=3600&");
  const CurlResult again = Curl("PUT", stretched, file);
  EXPECT_EQ(again.status, 403) << again.trace << again.body;
  EXPECT_NE(again.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << again.body;
  EXPECT_FALSE(store_->Head(key));
}

TEST_F(S3PresignTest, ATamperedUrlIsRefused) {
  const fs::path file = WriteFile("tampered.csv", "id,name\n1,x\n");
  const std::string url = store_->PresignUrl("PUT", "uploads/direct/mine.csv", {}, seconds(300));
  std::string other = url;
  const size_t at = other.find("/mine.csv?");
  ASSERT_NE(at, std::string::npos) << url;
  other.replace(at, 9, "/yours.csv");
  const CurlResult put = Curl("PUT", other, file);
  EXPECT_EQ(put.status, 403) << put.trace << put.body;
  EXPECT_NE(put.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << put.body;
  EXPECT_FALSE(store_->Head("uploads/direct/yours.csv"));
  EXPECT_FALSE(store_->Head("uploads/direct/mine.csv"));

  // A forged signature, and no signature at all, fare no better.
  std::string forged = url;
  const size_t signature = forged.find("X-Amz-Signature=");
  ASSERT_NE(signature, std::string::npos);
  forged[signature + 16] = forged[signature + 16] == '0' ? '1' : '0';
  EXPECT_EQ(Curl("PUT", forged, file).status, 403);
  EXPECT_NE(Curl("PUT", url.substr(0, signature - 1), file).status, 200);
  EXPECT_FALSE(store_->Head("uploads/direct/mine.csv"));

  // The original still works: only the changes were refused.
  EXPECT_EQ(Curl("PUT", url, file).status, 200);
  EXPECT_TRUE(store_->Head("uploads/direct/mine.csv"));
}

TEST_F(S3PresignTest, AMultipartUploadThroughPresignedPartAndCompleteUrls) {
  const std::string key = "uploads/direct/multipart.bin";
  const std::string upload_id = store_->StartMultipartUpload(key);
  ASSERT_FALSE(upload_id.empty());
  // S3's smallest part but the last is 5 MiB.
  const std::vector<std::string> parts = {Pattern(2, 5 << 20), Pattern(3, (1 << 20) + 3)};

  std::vector<std::string> etags;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string number = std::to_string(i + 1);
    const std::string url =
        store_->PresignUrl("PUT", key, {{"partNumber", number}, {"uploadId", upload_id}}, seconds(300));
    const CurlResult put = Curl("PUT", url, WriteFile("part" + number, parts[i]));
    ASSERT_EQ(put.status, 200) << put.trace << put.body;
    ASSERT_FALSE(put.etag.empty()) << put.trace;
    etags.push_back(put.etag);
  }
  // A part URL is for its own part number only.
  std::string other_part = store_->PresignUrl("PUT", key, {{"partNumber", "1"}, {"uploadId", upload_id}}, seconds(300));
  const size_t at = other_part.find("partNumber=1&");
  ASSERT_NE(at, std::string::npos) << other_part;
  other_part.replace(at, 13, "partNumber=3&");
  EXPECT_EQ(Curl("PUT", other_part, WriteFile("part3", "x")).status, 403);
  EXPECT_FALSE(store_->Head(key));  // nothing visible before completion

  const std::string complete_url = store_->PresignUrl("POST", key, {{"uploadId", upload_id}}, seconds(300));
  const CurlResult complete =
      Curl("POST", complete_url, WriteFile("complete.xml", CompleteMultipartUploadXml(etags)), "application/xml");
  ASSERT_EQ(complete.status, 200) << complete.trace << complete.body;
  EXPECT_FALSE(ParseError(complete.body).has_value()) << complete.body;

  const auto info = store_->Head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, parts[0].size() + parts[1].size());
  EXPECT_TRUE(store_->Get(key) == parts[0] + parts[1]);
}

}  // namespace
}  // namespace migration::storage::s3
