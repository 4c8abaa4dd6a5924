#include "storage/file_object_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace migration::storage {
namespace {

namespace fs = std::filesystem;

class FileObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("file-store-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Every file under the root, temporary ones included.
  std::vector<std::string> Files() const {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) files.push_back(entry.path().lexically_relative(root_).generic_string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  fs::path root_;
};

TEST_F(FileObjectStoreTest, PutGetHeadDelete) {
  FileObjectStore store(root_ / "objects");
  store.Put("uploads/jobs/2026/11/27/1.csv", "id,name\n");
  EXPECT_EQ(store.Get("uploads/jobs/2026/11/27/1.csv"), "id,name\n");
  const auto info = store.Head("uploads/jobs/2026/11/27/1.csv");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->key, "uploads/jobs/2026/11/27/1.csv");
  EXPECT_EQ(info->size, 8U);
  EXPECT_EQ(info->last_modified.size(), 20U) << info->last_modified;  // "YYYY-MM-DDTHH:MM:SSZ"
  EXPECT_EQ(store.Location("uploads/jobs/2026/11/27/1.csv"),
            "file://" + (root_ / "objects/uploads/jobs/2026/11/27/1.csv").string());
  store.Put("uploads/jobs/2026/11/27/1.csv", "replaced");
  EXPECT_EQ(store.Get("uploads/jobs/2026/11/27/1.csv"), "replaced");
  store.Delete("uploads/jobs/2026/11/27/1.csv");
  store.Delete("uploads/jobs/2026/11/27/1.csv");  // missing: not an error
  EXPECT_FALSE(store.Head("uploads/jobs/2026/11/27/1.csv"));
  EXPECT_FALSE(store.Head("uploads"));  // a folder is not an object
}

TEST_F(FileObjectStoreTest, MissingObjectsAreNotFound) {
  FileObjectStore store(root_);
  EXPECT_FALSE(store.Head("nope"));
  EXPECT_FALSE(store.Head("nope/deeper"));
  try {
    store.Get("nope");
    FAIL() << "expected kNotFound";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kNotFound);
  }
}

TEST_F(FileObjectStoreTest, AWriterIsInvisibleUntilFinishThenAtomic) {
  FileObjectStore store(root_);
  store.Put("a.csv", "old");
  auto writer = store.OpenWriter("a.csv");
  writer->Write("new ");
  writer->Write("content");
  EXPECT_EQ(store.Get("a.csv"), "old");  // readers see the old object meanwhile
  EXPECT_EQ(Files().size(), 2U);         // the object and the temporary file
  ASSERT_EQ(store.List("").size(), 1U);  // which is never listed
  const ObjectInfo info = writer->Finish();
  EXPECT_EQ(info.key, "a.csv");
  EXPECT_EQ(info.size, 11U);
  EXPECT_FALSE(info.last_modified.empty());
  EXPECT_EQ(store.Get("a.csv"), "new content");
  EXPECT_EQ(Files(), std::vector<std::string>{"a.csv"});
  EXPECT_THROW(writer->Write("x"), core::Error);
}

TEST_F(FileObjectStoreTest, AbortOrDestructionLeavesNothing) {
  FileObjectStore store(root_);
  {
    auto writer = store.OpenWriter("dir/b.csv");
    writer->Write(std::string(100000, 'x'));
  }
  EXPECT_TRUE(Files().empty());
  auto writer = store.OpenWriter("dir/b.csv");
  writer->Write("x");
  writer->Abort();
  writer->Abort();
  EXPECT_TRUE(Files().empty());
  EXPECT_FALSE(store.Head("dir/b.csv"));
  EXPECT_THROW(writer->Finish(), core::Error);
}

TEST_F(FileObjectStoreTest, ListIsRecursiveInKeyOrderAndFiltersByPrefix) {
  FileObjectStore store(root_);
  for (const std::string key : {"b/2", "a/10", "a/9", "a/1/x", "a-b", "c", "a/1/y"}) store.Put(key, key);
  std::vector<std::string> keys;
  for (const ObjectInfo& object : store.List("")) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a-b", "a/1/x", "a/1/y", "a/10", "a/9", "b/2", "c"}));
  keys.clear();
  for (const ObjectInfo& object : store.List("a/1")) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1/x", "a/1/y", "a/10"}));
  keys.clear();
  for (const ObjectInfo& object : store.List("a")) keys.push_back(object.key);
  EXPECT_EQ(keys.size(), 5U);
  EXPECT_EQ(store.List("a/1/x").at(0).size, 5U);
  EXPECT_TRUE(store.List("zzz/").empty());
  EXPECT_TRUE(store.List("q").empty());
}

TEST_F(FileObjectStoreTest, RefusesKeysThatLeaveTheRootOrCollideWithTemporaryFiles) {
  FileObjectStore store(root_ / "inner");
  for (const std::string& key : std::vector<std::string>{"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/",
                                                         ".", "..", "a\\b", std::string("a\0b", 3), ".objtmp-1-a"}) {
    try {
      store.Put(key, "x");
      FAIL() << "accepted " << key;
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest) << key;
    }
    EXPECT_THROW(store.Get(key), core::Error) << key;
    EXPECT_THROW(store.OpenWriter(key), core::Error) << key;
    EXPECT_THROW(store.Delete(key), core::Error) << key;
  }
  EXPECT_THROW(store.List("../"), core::Error);
  EXPECT_FALSE(fs::exists(root_ / "x"));
  // Dots inside names are fine.
  store.Put("a/.hidden..name", "x");
  EXPECT_EQ(store.Get("a/.hidden..name"), "x");
}

TEST_F(FileObjectStoreTest, HasNoPresignedUrlsOrDirectMultipartUploads) {
  FileObjectStore store(root_);
  EXPECT_FALSE(store.SupportsPresignedUrls());
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { store.PresignUrl("PUT", "uploads/a.csv", {}, std::chrono::seconds(60)); },
           [&] { store.StartMultipartUpload("uploads/a.csv"); }}) {
    try {
      call();
      ADD_FAILURE() << "a folder store answered";
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
      EXPECT_NE(error.detail().find("STORAGE_URL=s3://"), std::string::npos) << error.detail();
    }
  }
  EXPECT_TRUE(store.List("").empty());
}

TEST_F(FileObjectStoreTest, ReadStreamsInChunks) {
  FileObjectStore store(root_);
  const std::string body(1'000'000, 'r');
  store.Put("big", body);
  std::string received;
  int chunks = 0;
  store.Read("big", [&](std::string_view chunk) {
    received.append(chunk);
    ++chunks;
  });
  EXPECT_EQ(received, body);
  EXPECT_GT(chunks, 1);
}

}  // namespace
}  // namespace migration::storage
