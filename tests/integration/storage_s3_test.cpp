// The S3 object store against a real S3 endpoint: moto_server, started by scripts/test-servers.sh
// with signature checking on (an IAM user's key; a wrong signature is refused). Objects written
// here are read back with an independent client (the aws CLI) and compared byte for byte.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include "core/error.hpp"
#include "observability/service_metrics.hpp"
#include "storage/object_store.hpp"
#include "storage/s3/canonical_request.hpp"
#include "storage/s3/http_call.hpp"
#include "storage/s3/multipart_writer.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/s3_object_store.hpp"
#include "storage/s3/sha256.hpp"
#include "support/command.hpp"
#include "support/s3_fake_server.hpp"
#include "support/test_env.hpp"

namespace migration::storage::s3 {
namespace {

namespace fs = std::filesystem;

using ::migration::testing::RequiredEnv;

// Byte `i` of a deterministic pseudo-random stream: any slice can be produced or checked alone.
char PatternByte(uint64_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ULL;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return static_cast<char>(x >> 56);
}

std::string Pattern(uint64_t offset, size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = PatternByte(offset + i);
  return bytes;
}

// How many calls of `operation` the storage metrics have counted so far.
int StorageCalls(const std::string& operation) {
  const std::string text = observability::RenderMetrics();
  const std::regex line("migration_storage_requests_total\\{operation=\"" + operation + "\"\\} ([0-9]+)");
  std::smatch match;
  return std::regex_search(text, match, line) ? std::stoi(match[1]) : 0;
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = RequiredEnv("TEST_S3_ENDPOINT_URL");
    bucket_ = RequiredEnv("TEST_S3_BUCKET");
    access_key_ = RequiredEnv("TEST_S3_ACCESS_KEY_ID");
    secret_key_ = RequiredEnv("TEST_S3_SECRET_ACCESS_KEY");
    region_ = RequiredEnv("TEST_S3_REGION");
    std::random_device random;
    run_ = "it-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000);
  }

  S3Config Config() const {
    S3Config config;
    config.bucket = bucket_;
    config.region = region_;
    config.endpoint_url = endpoint_;
    return config;
  }

  std::shared_ptr<S3Client> Client(S3Config config, const std::string& secret = "") const {
    return std::make_shared<S3Client>(
        std::move(config), std::make_shared<StaticCredentialsProvider>(
                               Credentials{access_key_, secret.empty() ? secret_key_ : secret, "", std::nullopt}));
  }

  // The aws CLI, with the test key and nothing from any user configuration.
  testing::CommandResult Aws(std::vector<std::string> args) const {
    std::vector<std::string> command = {"env",
                                        "AWS_ACCESS_KEY_ID=" + access_key_,
                                        "AWS_SECRET_ACCESS_KEY=" + secret_key_,
                                        "AWS_DEFAULT_REGION=" + region_,
                                        "AWS_CONFIG_FILE=/dev/null",
                                        "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                                        "AWS_PAGER=",
                                        "aws",
                                        "--endpoint-url",
                                        endpoint_,
                                        "--output",
                                        "json",
                                        "s3api"};
    command.insert(command.end(), args.begin(), args.end());
    return testing::RunProgram(command);
  }

  fs::path TempFile(const std::string& name) const { return fs::temp_directory_path() / (run_ + "-" + name); }

  std::string endpoint_, bucket_, access_key_, secret_key_, region_, run_;
};

TEST_F(S3StoreTest, PutGetHeadDeleteThroughOpenObjectStoreWithCredentialsFromTheEnvironment) {
  // The factory's credential chain reads the environment first.
  ::setenv("AWS_ACCESS_KEY_ID", access_key_.c_str(), 1);      // NOLINT(concurrency-mt-unsafe): single-threaded test
  ::setenv("AWS_SECRET_ACCESS_KEY", secret_key_.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  StorageOptions options;
  options.s3_endpoint_url = endpoint_;
  options.aws_region = region_;
  auto store = OpenObjectStore("s3://" + bucket_ + "/" + run_ + "/root/", options);

  // Keys with characters that need encoding in the path.
  for (const std::string key : {"uploads/jobs/2026/11/27/1.csv", "odd keys/a b+c=d&e:f,g@h$i!(j)'k*~.csv",
                                "utf8/caf\xC3\xA9/\xE1\x88\xB4.csv"}) {
    const std::string body = "id,name\n1," + key + "\n";
    store->Put(key, body);
    EXPECT_EQ(store->Get(key), body) << key;
    const auto info = store->Head(key);
    ASSERT_TRUE(info) << key;
    EXPECT_EQ(info->key, key);
    EXPECT_EQ(info->size, body.size());
    EXPECT_EQ(info->last_modified.size(), 20U) << info->last_modified;
    EXPECT_EQ(store->Location(key), "s3://" + bucket_ + "/" + run_ + "/root/" + key);
    store->Delete(key);
    EXPECT_FALSE(store->Head(key)) << key;
    try {
      store->Get(key);
      ADD_FAILURE() << "expected kNotFound for " << key;
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kNotFound) << error.detail();
    }
  }
  store->Delete("never-existed");
  ::unsetenv("AWS_ACCESS_KEY_ID");      // NOLINT(concurrency-mt-unsafe)
  ::unsetenv("AWS_SECRET_ACCESS_KEY");  // NOLINT(concurrency-mt-unsafe)
}

TEST_F(S3StoreTest, ListReadsEveryPageInKeyOrderUnderPrefixes) {
  S3Config config = Config();
  config.list_page_size = 2;  // several pages without thousands of keys
  S3ObjectStore store(Client(config), run_ + "/list", 8 << 20);
  const std::vector<std::string> keys = {"dir/a",     "dir/b c",      "dir/b+c", "dir/sub/1",
                                         "dir/sub/2", "dir/\xC3\xA9", "dir2/x",  "other/y"};
  for (const std::string& key : keys) store.Put(key, key);
  S3ObjectStore outside(Client(Config()), run_ + "/lis", 8 << 20);
  outside.Put("t/not-mine", "x");  // shares the text prefix "…/lis", not the folder

  const int pages_before = StorageCalls("list_objects");
  const auto listed = store.List("dir/");
  EXPECT_EQ(StorageCalls("list_objects") - pages_before, 3);  // 6 keys, 2 a page
  std::vector<std::string> names;
  for (const ObjectInfo& object : listed) names.push_back(object.key);
  EXPECT_EQ(names, (std::vector<std::string>{"dir/a", "dir/b c", "dir/b+c", "dir/sub/1", "dir/sub/2", "dir/\xC3\xA9"}));
  EXPECT_EQ(listed[0].size, 5U);
  EXPECT_EQ(listed[0].last_modified.size(), 20U) << listed[0].last_modified;

  EXPECT_EQ(store.List("").size(), keys.size());
  EXPECT_EQ(store.List("dir").size(), 7U);  // "dir2/x" too: a prefix, not a folder
  EXPECT_EQ(store.List("dir/sub/").size(), 2U);
  EXPECT_TRUE(store.List("nothing/").empty());
}

TEST_F(S3StoreTest, SignaturesAreReallyChecked) {
  auto wrong = Client(Config(), "not-the-secret-key");
  try {
    wrong->PutObject(run_ + "/refused", "x");
    FAIL() << "a wrong secret key was accepted";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kInternal);
    EXPECT_NE(error.detail().find("SignatureDoesNotMatch"), std::string::npos) << error.detail();
    EXPECT_EQ(error.detail().find("not-the-secret-key"), std::string::npos);
    EXPECT_EQ(error.detail().find(access_key_), std::string::npos);
  }
  EXPECT_FALSE(Client(Config())->HeadObject(run_ + "/refused"));

  // A query signed as written but not canonically encoded ("/" left as is) is refused, as S3 does.
  const Credentials credentials{access_key_, secret_key_, "", std::nullopt};
  const SigningKey key{region_, "s3", access_key_, secret_key_};
  HttpRequest request;
  request.url = endpoint_ + "/" + bucket_ + "?list-type=2&prefix=" + run_ + "/";
  request.headers = {"x-amz-content-sha256: " + std::string(kEmptySha256)};
  request.signing = &key;
  EXPECT_EQ(Perform(request).status, 403);
  request.url = endpoint_ + "/" + bucket_ + "?" + CanonicalQueryString({{"list-type", "2"}, {"prefix", run_ + "/"}});
  EXPECT_EQ(Perform(request).status, 200);
}

TEST_F(S3StoreTest, AnIndependentClientReadsWhatWeWroteByteForByte) {
  S3ObjectStore store(Client(Config()), run_ + "/cross", 8 << 20);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  const std::string body = every_byte + Pattern(0, 3 << 20) + every_byte;
  store.Put("ours.bin", body);

  const fs::path downloaded = TempFile("ours.bin");
  const auto result = Aws({"get-object", "--bucket", bucket_, "--key", run_ + "/cross/ours.bin", downloaded.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(downloaded, std::ios::binary);
  const std::string read_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(downloaded);
  EXPECT_EQ(read_back.size(), body.size());
  EXPECT_TRUE(read_back == body);

  // And the other way: what the aws CLI wrote, we read.
  const fs::path uploaded = TempFile("theirs.bin");
  std::ofstream(uploaded, std::ios::binary) << body;
  const auto put =
      Aws({"put-object", "--bucket", bucket_, "--key", run_ + "/cross/theirs.bin", "--body", uploaded.string()});
  fs::remove(uploaded);
  ASSERT_EQ(put.exit_code, 0) << put.output;
  EXPECT_TRUE(store.Get("theirs.bin") == body);
}

TEST_F(S3StoreTest, A200MegabyteStreamGoesThroughMultipartAndReadsBackEqual) {
  constexpr uint64_t kSize = 200ULL << 20;
  constexpr uint64_t kPart = 8ULL << 20;
  S3ObjectStore store(Client(Config()), run_ + "/big", kPart);
  const int parts_before = StorageCalls("upload_part");
  auto writer = store.OpenWriter("200mb.bin");
  // Chunks of an odd size, as a network read would give them.
  constexpr size_t kChunk = 1'000'003;
  for (uint64_t offset = 0; offset < kSize; offset += kChunk) {
    writer->Write(Pattern(offset, static_cast<size_t>(std::min<uint64_t>(kChunk, kSize - offset))));
  }
  const ObjectInfo info = writer->Finish();
  EXPECT_EQ(info.size, kSize);
  EXPECT_EQ(StorageCalls("upload_part") - parts_before, 25);

  // S3 gives a multipart object an ETag "<md5 of the part md5s>-<parts>".
  const auto head = Aws({"head-object", "--bucket", bucket_, "--key", run_ + "/big/200mb.bin"});
  ASSERT_EQ(head.exit_code, 0) << head.output;
  EXPECT_NE(head.output.find("-25\\\""), std::string::npos) << head.output;
  EXPECT_NE(head.output.find("\"ContentLength\": 209715200"), std::string::npos) << head.output;

  // The independent client's copy, compared slice by slice.
  const fs::path downloaded = TempFile("200mb.bin");
  const auto get = Aws({"get-object", "--bucket", bucket_, "--key", run_ + "/big/200mb.bin", downloaded.string()});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  {
    std::ifstream in(downloaded, std::ios::binary);
    std::string slice(1 << 20, '\0');
    uint64_t offset = 0;
    bool equal = true;
    while (in.read(slice.data(), static_cast<std::streamsize>(slice.size())) || in.gcount() > 0) {
      const auto n = static_cast<size_t>(in.gcount());
      equal = equal && slice.compare(0, n, Pattern(offset, n)) == 0;
      offset += n;
    }
    EXPECT_EQ(offset, kSize);
    EXPECT_TRUE(equal);
  }
  fs::remove(downloaded);

  // Our own streamed read, chunk by chunk, never the whole object in memory.
  uint64_t offset = 0;
  bool equal = true;
  store.Read("200mb.bin", [&](std::string_view chunk) {
    equal = equal && chunk == Pattern(offset, chunk.size());
    offset += chunk.size();
  });
  EXPECT_EQ(offset, kSize);
  EXPECT_TRUE(equal);
  store.Delete("200mb.bin");
}

TEST_F(S3StoreTest, AbortLeavesNoObjectAndNoPendingUpload) {
  S3ObjectStore store(Client(Config()), run_ + "/abort", 8 << 20);
  const auto pending = [&] {
    const auto result = Aws({"list-multipart-uploads", "--bucket", bucket_, "--prefix", run_ + "/abort/"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output.find("\"UploadId\"") != std::string::npos;
  };
  {
    auto writer = store.OpenWriter("aborted.bin");
    writer->Write(Pattern(0, 20 << 20));  // two parts out, the third buffered
    EXPECT_TRUE(pending());
    writer->Abort();
    EXPECT_FALSE(pending());
    EXPECT_FALSE(store.Head("aborted.bin"));
  }
  {
    auto writer = store.OpenWriter("dropped.bin");
    writer->Write(Pattern(0, 17 << 20));
    EXPECT_TRUE(pending());
  }  // destroyed before Finish
  EXPECT_FALSE(pending());
  EXPECT_FALSE(store.Head("dropped.bin"));
  EXPECT_TRUE(store.List("").empty());
}

TEST_F(S3StoreTest, ServerSideEncryptionIsRequested) {
  S3Config config = Config();
  config.server_side_encryption = "AES256";
  S3ObjectStore store(Client(config), run_ + "/sse", 8 << 20);
  store.Put("small", "x");
  auto writer = store.OpenWriter("multipart");
  writer->Write(Pattern(0, 9 << 20));
  writer->Finish();
  for (const std::string key : {"small", "multipart"}) {
    const auto head = Aws({"head-object", "--bucket", bucket_, "--key", run_ + "/sse/" + key});
    ASSERT_EQ(head.exit_code, 0) << head.output;
    EXPECT_NE(head.output.find("\"ServerSideEncryption\": \"AES256\""), std::string::npos) << key << head.output;
  }
}

TEST_F(S3StoreTest, AnEndpointThatIsDownIsUnavailableQuickly) {
  std::string dead;
  {
    const testing::FakeHttpServer closed;  // a loopback port nothing listens on any more
    dead = closed.url();
  }
  S3Config config = Config();
  config.endpoint_url = dead;
  S3ObjectStore store(Client(config), run_, 8 << 20);
  const auto expect_unavailable = [](const std::function<void()>& call) {
    const auto start = std::chrono::steady_clock::now();
    try {
      call();
      ADD_FAILURE() << "expected kUnavailable";
    } catch (const core::Error& error) {
      EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable) << error.detail();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  };
  expect_unavailable([&] { store.Put("k", "v"); });
  expect_unavailable([&] { store.Get("k"); });
  expect_unavailable([&] { store.Head("k"); });
  expect_unavailable([&] { store.List(""); });
  expect_unavailable([&] {
    auto writer = store.OpenWriter("k");
    writer->Write("v");
    writer->Finish();
  });
}

}  // namespace
}  // namespace migration::storage::s3
