#include "storage/s3/bucket_address.hpp"

#include <gtest/gtest.h>

namespace migration::storage::s3 {
namespace {

TEST(BucketAddressTest, AwsIsVirtualHostedInTheRegion) {
  const BucketAddress address = ResolveBucketAddress("examplebucket", "eu-west-1", "");
  EXPECT_FALSE(address.path_style);
  EXPECT_EQ(address.host, "examplebucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(address.origin, "https://examplebucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(address.Path("a/b c.csv"), "/a/b%20c.csv");
  EXPECT_EQ(address.Path(""), "/");
  EXPECT_EQ(address.Url("k", {{"uploads", ""}}), "https://examplebucket.s3.eu-west-1.amazonaws.com/k?uploads=");
}

TEST(BucketAddressTest, ChinaRegionsHaveTheirOwnDomain) {
  EXPECT_EQ(ResolveBucketAddress("b-1", "cn-north-1", "").host, "b-1.s3.cn-north-1.amazonaws.com.cn");
}

TEST(BucketAddressTest, DottedBucketsArePathStyleOnAws) {
  const BucketAddress address = ResolveBucketAddress("my.bucket", "us-east-1", "");
  EXPECT_TRUE(address.path_style);
  EXPECT_EQ(address.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(address.Path("k"), "/my.bucket/k");
  EXPECT_EQ(address.Path(""), "/my.bucket");
}

TEST(BucketAddressTest, AnEndpointIsPathStyleAndKeepsItsPort) {
  const BucketAddress address = ResolveBucketAddress("bucket", "us-east-1", "http://127.0.0.1:9000/");
  EXPECT_TRUE(address.path_style);
  EXPECT_EQ(address.origin, "http://127.0.0.1:9000");
  EXPECT_EQ(address.host, "127.0.0.1:9000");
  EXPECT_EQ(address.base_path, "");
  EXPECT_EQ(address.Url("a+b", {}), "http://127.0.0.1:9000/bucket/a%2Bb");
}

TEST(BucketAddressTest, TheHostHeaderDropsOnlyTheSchemesDefaultPort) {
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "http://minio:80").host, "minio");
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "https://minio:443").host, "minio");
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "https://minio:80").host, "minio:80");
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "http://[::1]:9000").host, "[::1]:9000");
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "http://[::1]").host, "[::1]");
  EXPECT_EQ(ResolveBucketAddress("b-1", "r", "http://user:pw@minio:9000").host, "minio:9000");
}

TEST(BucketAddressTest, AnEndpointsOwnPathComesBeforeTheBucket) {
  const BucketAddress address = ResolveBucketAddress("bucket", "us-east-1", "https://gateway.example/s3//");
  EXPECT_EQ(address.origin, "https://gateway.example");
  EXPECT_EQ(address.host, "gateway.example");
  EXPECT_EQ(address.Path("k"), "/s3/bucket/k");
  EXPECT_EQ(address.Url("", {}), "https://gateway.example/s3/bucket");
}

}  // namespace
}  // namespace migration::storage::s3
