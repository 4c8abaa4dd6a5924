#include "storage/object_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"

namespace migration::storage {
namespace {

namespace fs = std::filesystem;

core::ErrorCode CodeOf(const std::string& url, const StorageOptions& options = {}) {
  try {
    OpenObjectStore(url, options);
  } catch (const core::Error& error) {
    return error.code();
  }
  return core::ErrorCode::kInternal;
}

TEST(OpenObjectStoreTest, FileUrlsAbsoluteAndRelative) {
  const fs::path root = fs::temp_directory_path() / ("open-store-test-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto store = OpenObjectStore("file://" + root.string(), {});
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_EQ(store->Location("a/b.csv"), "file://" + (root / "a/b.csv").string());
  store->Put("a/b.csv", "x");
  EXPECT_EQ(store->Get("a/b.csv"), "x");

  const fs::path previous = fs::current_path();
  fs::current_path(root);
  auto relative = OpenObjectStore("file://var/objects/", {});
  EXPECT_EQ(relative->Location("k"), "file://" + (root / "var/objects/k").string());
  fs::current_path(previous);
  fs::remove_all(root);
}

TEST(OpenObjectStoreTest, S3UrlsNeedAValidBucket) {
  StorageOptions options;
  options.s3_endpoint_url = "http://127.0.0.1:9";
  EXPECT_EQ(OpenObjectStore("s3://my-bucket/some/prefix/", options)->Location("k"), "s3://my-bucket/some/prefix/k");
  EXPECT_EQ(OpenObjectStore("s3://my-bucket", options)->Location("a/k"), "s3://my-bucket/a/k");
  EXPECT_EQ(OpenObjectStore("s3://my.bucket.example/", options)->Location("k"), "s3://my.bucket.example/k");
  for (const std::string url : {"s3://", "s3://ab", "s3://Upper", "s3://-bucket", "s3://bucket_x/p", "s3:///prefix"}) {
    EXPECT_EQ(CodeOf(url, options), core::ErrorCode::kBadRequest) << url;
  }
}

TEST(OpenObjectStoreTest, RefusesOtherSchemesAndBadEncryption) {
  for (const std::string url : {"", "var/objects", "http://x/y", "file://", "gs://bucket", "S3://bucket"}) {
    EXPECT_EQ(CodeOf(url), core::ErrorCode::kBadRequest) << url;
  }
  StorageOptions options;
  options.server_side_encryption = "aws:kms:dsse";
  EXPECT_EQ(CodeOf("s3://bucket", options), core::ErrorCode::kBadRequest);
  options.server_side_encryption = "aws:kms";
  EXPECT_NO_THROW(OpenObjectStore("s3://bucket", options));
}

}  // namespace
}  // namespace migration::storage
