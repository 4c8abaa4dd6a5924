#include "storage/s3/presign.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/error.hpp"
#include "storage/s3/sha256.hpp"

namespace migration::storage::s3 {
namespace {

using std::chrono::seconds;

// AWS's example credentials and instant (the SigV4 documentation's examples all use them).
const Credentials kExampleCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "",
                                      std::nullopt};
// 2013-05-24T00:00:00Z
const std::chrono::system_clock::time_point kExampleNow{seconds(1369353600)};

std::string SignatureOf(const std::string& url) {
  const size_t at = url.find("X-Amz-Signature=");
  return at == std::string::npos ? "" : url.substr(at + 16);
}

core::ErrorCode ErrorCodeOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const core::Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "no core::Error thrown";
  return core::ErrorCode::kInternal;
}

// AWS, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the example:
// GET examplebucket/test.txt for 86400 s, on the global endpoint examplebucket.s3.amazonaws.com.
// The canonical request, string to sign and signature are the ones the page prints.
TEST(PresignTest, ReproducesAwsPublishedQueryStringExample) {
  const QuerySignature signed_query = SignQuery("GET", "examplebucket.s3.amazonaws.com", "/test.txt", {}, "us-east-1",
                                                kExampleCredentials, kExampleNow, seconds(86400));
  EXPECT_EQ(signed_query.canonical_request,
            "GET\n"
            "/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_"
            "request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "\n"
            "host\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(signed_query.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(signed_query.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// The expected signatures below were computed independently with botocore's S3SigV4QueryAuth
// (the AWS SDK for Python's presigner; it reproduces the published example above), at the same
// instant and with the same credentials.

TEST(PresignTest, VirtualHostedUrlOnAwsIsTheRegionalHost) {
  PresignRequest request{"GET", "examplebucket", "test.txt", {}, "us-east-1", "", kExampleNow, seconds(86400)};
  EXPECT_EQ(PresignUrl(request, kExampleCredentials),
            "https://examplebucket.s3.us-east-1.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=762f4fcbacec730d460b0e337f554e569e4fe98643baefad7af1276fe3084e7f");
}

TEST(PresignTest, KeysAreEncodedInThePathAndSignedSoOnAnEndpoint) {
  PresignRequest request{"PUT",       "migration-test", "uploads/dir name/a+b=c&d \xC3\xA9.csv",
                         {},          "eu-west-1",      "http://127.0.0.1:9000/",
                         kExampleNow, seconds(900)};
  const std::string url = PresignUrl(request, kExampleCredentials);
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:9000/migration-test/uploads/dir%20name/a%2Bb%3Dc%26d%20%C3%A9.csv?"))
      << url;
  EXPECT_NE(url.find("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request&"),
            std::string::npos)
      << url;
  EXPECT_NE(url.find("&X-Amz-Expires=900&"), std::string::npos) << url;
  EXPECT_EQ(SignatureOf(url), "d5f40ad9f6dd5fe412dc6f871253f206e59afb8e07f10533a2ff26fef05a780d");
}

TEST(PresignTest, ExtraQueryParametersAreEncodedSortedAndSigned) {
  PresignRequest request{
      "PUT",       "migration-test",        "big.csv",   {{"uploadId", "abc/+= id"}, {"partNumber", "2"}},
      "eu-west-1", "http://127.0.0.1:9000", kExampleNow, seconds(3600)};
  const std::string url = PresignUrl(request, kExampleCredentials);
  // Canonical order: by encoded name, so the X-Amz-* parameters (upper case) come first.
  EXPECT_NE(url.find("&X-Amz-SignedHeaders=host&partNumber=2&uploadId=abc%2F%2B%3D%20id&X-Amz-Signature="),
            std::string::npos)
      << url;
  EXPECT_EQ(SignatureOf(url), "71d6811893da849215847d4e6e59fe128c0df1bc970a52b781670fe04d58fb5f");

  // Each parameter is under the signature: another part number is another signature.
  request.query = {{"uploadId", "abc/+= id"}, {"partNumber", "3"}};
  EXPECT_NE(SignatureOf(PresignUrl(request, kExampleCredentials)),
            "71d6811893da849215847d4e6e59fe128c0df1bc970a52b781670fe04d58fb5f");
}

TEST(PresignTest, TemporaryCredentialsAddTheirTokenUnderTheSignature) {
  const Credentials temporary{"ASIAEXAMPLETEMPORARY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "FQoGZXIvYXdzE//token+/=", std::nullopt};
  PresignRequest request{"GET", "examplebucket", "test.txt", {}, "us-east-1", "", kExampleNow, seconds(3600)};
  const std::string url = PresignUrl(request, temporary);
  // In canonical order: X-Amz-Security-Token sorts before X-Amz-SignedHeaders.
  EXPECT_NE(url.find("&X-Amz-Expires=3600&X-Amz-Security-Token=FQoGZXIvYXdzE%2F%2Ftoken%2B%2F%3D&X-Amz-SignedHeaders="),
            std::string::npos)
      << url;
  EXPECT_EQ(SignatureOf(url), "14bed5456e02d2799e75169fc6d1cc656158e9a024c95d7970563bf0244c5ae9");
  // Long-term keys carry no token parameter at all.
  EXPECT_EQ(PresignUrl(request, kExampleCredentials).find("X-Amz-Security-Token"), std::string::npos);
}

TEST(PresignTest, TheDateIsTheInstantInUtcWholeSeconds) {
  PresignRequest request{
      "GET", "b-1", "k", {}, "us-east-1", "", kExampleNow + std::chrono::milliseconds(86399'999), seconds(60)};
  const std::string url = PresignUrl(request, kExampleCredentials);
  EXPECT_NE(url.find("%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T235959Z&"), std::string::npos)
      << url;
}

TEST(PresignTest, ExpiryMustBeOneSecondToSevenDays) {
  PresignRequest request{"GET", "b-1", "k", {}, "us-east-1", "", kExampleNow, seconds(0)};
  EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest);
  request.expires = seconds(604801);
  EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest);
  request.expires = seconds(-5);
  EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest);
  request.expires = seconds(1);
  EXPECT_NE(PresignUrl(request, kExampleCredentials).find("&X-Amz-Expires=1&"), std::string::npos);
  request.expires = kMaxPresignedExpiry;
  EXPECT_NE(PresignUrl(request, kExampleCredentials).find("&X-Amz-Expires=604800&"), std::string::npos);
}

TEST(PresignTest, RefusesUnknownMethodsAndTheSignaturesOwnParameters) {
  PresignRequest request{"PATCH", "b-1", "k", {}, "us-east-1", "", kExampleNow, seconds(60)};
  EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest);
  request.method = "get";  // methods are case-sensitive in HTTP and in the canonical request
  EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest);
  request.method = "PUT";
  for (const std::string name : {"X-Amz-Expires", "x-amz-signature", "X-Amz-Security-Token", "X-AMZ-DATE"}) {
    request.query = {{name, "1"}};
    EXPECT_EQ(ErrorCodeOf([&] { PresignUrl(request, kExampleCredentials); }), core::ErrorCode::kBadRequest) << name;
  }
}

TEST(PresignTest, DottedBucketsArePathStyleOnAwsAsTheClientAddressesThem) {
  PresignRequest request{"GET", "my.bucket", "a b", {}, "us-east-1", "", kExampleNow, seconds(60)};
  EXPECT_TRUE(
      PresignUrl(request, kExampleCredentials).starts_with("https://s3.us-east-1.amazonaws.com/my.bucket/a%20b?"));
}

TEST(HmacSha256Test, Rfc4231TestCase2) {
  EXPECT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace migration::storage::s3
