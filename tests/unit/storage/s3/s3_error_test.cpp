#include "storage/s3/s3_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace migration::storage::s3 {
namespace {

using core::ErrorCode;

HttpResponse Answer(long status, std::string body = "") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><AWSAccessKeyId>AKIASECRETISH</AWSAccessKeyId>"
         "<StringToSign>x</StringToSign></Error>";
}

TEST(S3ErrorTest, NoAnswerIsUnavailableAndRetryable) {
  HttpResponse response;
  response.curl_code = 7;
  response.curl_error = "Failed to connect to 127.0.0.1 port 9: Connection refused";
  EXPECT_TRUE(IsRetryable(response));
  const core::Error error = ErrorFor("GET s3://b/k", response);
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_NE(error.detail().find("Connection refused"), std::string::npos) << error.detail();
  EXPECT_NE(error.detail().find("GET s3://b/k"), std::string::npos);
}

TEST(S3ErrorTest, ServerErrorsAndThrottlingAreUnavailableAndRetryable) {
  for (const HttpResponse& response :
       {Answer(500, ErrorXml("InternalError", "We encountered an internal error")),
        Answer(503, ErrorXml("SlowDown", "Please reduce your request rate.")), Answer(502), Answer(429),
        Answer(400, ErrorXml("RequestTimeout", "Your socket connection to the server was not read from")),
        Answer(200, ErrorXml("InternalError", "We encountered an internal error"))}) {
    EXPECT_TRUE(IsRetryable(response)) << response.status;
    EXPECT_EQ(ErrorFor("PUT s3://b/k", response).code(), ErrorCode::kUnavailable) << response.status;
  }
  EXPECT_NE(ErrorFor("PUT s3://b/k", Answer(503, ErrorXml("SlowDown", "Please reduce your request rate.")))
                .detail()
                .find("503 SlowDown: Please reduce your request rate."),
            std::string::npos);
}

TEST(S3ErrorTest, AMissingKeyIsNotFound) {
  EXPECT_EQ(ErrorFor("GET s3://b/k", Answer(404, ErrorXml("NoSuchKey", "The specified key does not exist."))).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ErrorFor("HEAD s3://b/k", Answer(404)).code(), ErrorCode::kNotFound);
  EXPECT_FALSE(IsRetryable(Answer(404)));
}

TEST(S3ErrorTest, RefusalsAreInternalWithS3sCodeAndMessageButNoKeys) {
  const core::Error denied =
      ErrorFor("PUT s3://b/k", Answer(403, ErrorXml("SignatureDoesNotMatch",
                                                    "The request signature we calculated "
                                                    "does not match the signature you provided.")));
  EXPECT_EQ(denied.code(), ErrorCode::kInternal);
  EXPECT_NE(denied.detail().find("403 SignatureDoesNotMatch: The request signature"), std::string::npos)
      << denied.detail();
  EXPECT_EQ(denied.detail().find("AKIASECRETISH"), std::string::npos);
  const core::Error bucket =
      ErrorFor("GET s3://b/k", Answer(404, ErrorXml("NoSuchBucket", "The specified bucket does not exist")));
  EXPECT_EQ(bucket.code(), ErrorCode::kInternal);
  EXPECT_EQ(ErrorFor("GET s3://b/k", Answer(400, "not xml")).code(), ErrorCode::kInternal);
  EXPECT_FALSE(IsRetryable(Answer(403, ErrorXml("AccessDenied", "Access Denied"))));
}

}  // namespace
}  // namespace migration::storage::s3
