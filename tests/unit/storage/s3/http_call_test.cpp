// The signing inputs our S3 client produces (canonical path and query from canonical_request.hpp,
// the x-amz-content-sha256 digest, the headers), signed by libcurl through http_call.hpp, checked
// against AWS's published SigV4 examples: the aws-sig-v4-test-suite cases (awslabs) and the
// worked examples of the S3 API reference ("Signature Version 4: Authenticating requests using
// the Authorization header"). libcurl takes the timestamp from an X-Amz-Date header when the
// request has one, so a request sent with the example's date and keys to a local server (standing
// in for the example's host through CURLOPT_CONNECT_TO) carries exactly the published
// Authorization header.

#include "storage/s3/http_call.hpp"

#include <gtest/gtest.h>

#include <string>

#include "storage/s3/canonical_request.hpp"
#include "storage/s3/sha256.hpp"
#include "support/s3_fake_server.hpp"

namespace migration::storage::s3 {
namespace {

using testing::FakeHttpServer;

// The aws-sig-v4-test-suite's request context.
constexpr char kSuiteHost[] = "example.amazonaws.com";
constexpr char kSuiteDate[] = "X-Amz-Date: 20150830T123600Z";
const SigningKey kSuiteKey{"us-east-1", "service", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
constexpr char kSuiteCredential[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

// The S3 API reference's examples.
constexpr char kS3Host[] = "examplebucket.s3.amazonaws.com";
constexpr char kS3Date[] = "x-amz-date: 20130524T000000Z";
const SigningKey kS3Key{"us-east-1", "s3", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
constexpr char kS3Credential[] =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ";

class SigV4VectorTest : public ::testing::Test {
 protected:
  // Sends the request to `host` (really the fake server) and returns the Authorization it carried.
  std::string Authorization(const std::string& host, HttpRequest request, const SigningKey& key) {
    server_.ClearRequests();
    request.connect_to = host + ":80:127.0.0.1:" + std::to_string(server_.port());
    request.signing = &key;
    const HttpResponse response = Perform(request);
    EXPECT_EQ(response.curl_code, 0) << response.curl_error;
    const auto requests = server_.requests();
    if (requests.size() != 1) {
      ADD_FAILURE() << "expected one request, got " << requests.size();
      return "";
    }
    return requests[0].Header("authorization");
  }

  static HttpRequest Get(const std::string& host, const std::string& path, const QueryParams& query,
                         std::vector<std::string> headers) {
    HttpRequest request;
    request.url = "http://" + host + path;
    if (!query.empty()) request.url += "?" + CanonicalQueryString(query);
    request.headers = std::move(headers);
    return request;
  }

  FakeHttpServer server_;
};

TEST_F(SigV4VectorTest, GetVanilla) {
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", {}, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_F(SigV4VectorTest, GetVanillaQueryOrderKeyCase) {
  // The parameters come out of order: only a sorted canonical query signs right.
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", {{"Param2", "value2"}, {"Param1", "value1"}}, {kSuiteDate}),
                          kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_F(SigV4VectorTest, GetVanillaQueryUnreserved) {
  const std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", {{unreserved, unreserved}}, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
}

TEST_F(SigV4VectorTest, GetVanillaUtf8Query) {
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", {{"\xE1\x88\xB4", "bar"}}, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST_F(SigV4VectorTest, GetVanillaQueryOrderEncoded) {
  // Sorted after encoding: "%E1%88%B4" before "Param".
  const QueryParams query = {{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xE1\x88\xB4", "Value1"}};
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", query, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac");
}

TEST_F(SigV4VectorTest, GetUtf8Path) {
  const std::string path = "/" + UriEncode("\xE1\x88\xB4", true);
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, path, {}, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST_F(SigV4VectorTest, GetSpaceUnnormalized) {
  const std::string path = "/" + UriEncode("example space/", true);
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, path, {}, {kSuiteDate}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

TEST_F(SigV4VectorTest, GetVanillaWithSessionToken) {
  const std::string token = "X-Amz-Security-Token: 6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  EXPECT_EQ(Authorization(kSuiteHost, Get(kSuiteHost, "/", {}, {kSuiteDate, token}), kSuiteKey),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
}

TEST_F(SigV4VectorTest, S3GetObjectWithRange) {
  const HttpRequest request = Get(kS3Host, CanonicalObjectPath("examplebucket", "test.txt", false), {},
                                  {"Range: bytes=0-9", "x-amz-content-sha256: " + std::string(kEmptySha256), kS3Date});
  EXPECT_EQ(Authorization(kS3Host, request, kS3Key),
            std::string(kS3Credential) +
                "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_F(SigV4VectorTest, S3PutObjectWithEncodedKeyAndBodyDigest) {
  const std::string body = "Welcome to Amazon S3.";
  HttpRequest request = Get(kS3Host, CanonicalObjectPath("examplebucket", "test$file.text", false), {},
                            {"Date: Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class: REDUCED_REDUNDANCY",
                             "x-amz-content-sha256: " + Sha256Hex(body), kS3Date});
  request.method = "PUT";
  request.body = body;
  EXPECT_EQ(Authorization(kS3Host, request, kS3Key),
            std::string(kS3Credential) +
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_EQ(server_.requests().at(0).body, body);
  EXPECT_EQ(server_.requests().at(0).target, "/test%24file.text");
}

TEST_F(SigV4VectorTest, S3GetBucketLifecycleWithAnEmptyValue) {
  const HttpRequest request =
      Get(kS3Host, "/", {{"lifecycle", ""}}, {"x-amz-content-sha256: " + std::string(kEmptySha256), kS3Date});
  EXPECT_EQ(Authorization(kS3Host, request, kS3Key),
            std::string(kS3Credential) +
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_F(SigV4VectorTest, S3ListObjectsWithSortedQuery) {
  const HttpRequest request = Get(kS3Host, "/", {{"prefix", "J"}, {"max-keys", "2"}},
                                  {"x-amz-content-sha256: " + std::string(kEmptySha256), kS3Date});
  EXPECT_EQ(Authorization(kS3Host, request, kS3Key),
            std::string(kS3Credential) +
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(HttpCallTest, ARefusedConnectionIsACurlErrorNotAStatus) {
  HttpRequest request;
  {
    const FakeHttpServer closed;  // a port that was free a moment ago
    request.url = closed.url() + "/";
  }
  const HttpResponse response = Perform(request);
  EXPECT_NE(response.curl_code, 0);
  EXPECT_FALSE(response.curl_error.empty());
  EXPECT_FALSE(response.ok());
}

TEST(HttpCallTest, StreamsA2xxBodyToTheSinkAndKeepsAnErrorBody) {
  FakeHttpServer server([](const testing::FakeRequest& request) {
    if (request.Path() == "/missing") return testing::FakeReply{404, "<Error><Code>NoSuchKey</Code></Error>", {}};
    return testing::FakeReply{200, std::string(200000, 'x'), {"ETag: \"abc\""}};
  });
  std::string received;
  const std::function<void(std::string_view)> sink = [&](std::string_view chunk) { received.append(chunk); };
  HttpRequest request;
  request.url = server.url() + "/object";
  request.sink = &sink;
  HttpResponse response = Perform(request);
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(received, std::string(200000, 'x'));
  EXPECT_EQ(response.sink_bytes, 200000U);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.Header("etag"), "\"abc\"");

  received.clear();
  request.url = server.url() + "/missing";
  response = Perform(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(received.empty());
  EXPECT_EQ(response.body, "<Error><Code>NoSuchKey</Code></Error>");
}

TEST(HttpCallTest, ASinkThatThrowsStopsTheTransferAndTheExceptionLeaves) {
  FakeHttpServer server([](const testing::FakeRequest&) { return testing::FakeReply{200, std::string(100, 'x'), {}}; });
  const std::function<void(std::string_view)> sink = [](std::string_view) { throw std::runtime_error("disk full"); };
  HttpRequest request;
  request.url = server.url() + "/object";
  request.sink = &sink;
  EXPECT_THROW(
      {
        try {
          Perform(request);
        } catch (const std::runtime_error& error) {
          EXPECT_STREQ(error.what(), "disk full");
          throw;
        }
      },
      std::runtime_error);
}

}  // namespace
}  // namespace migration::storage::s3
