#include "ingest/upload_spool.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace migration::ingest {
namespace {

namespace fs = std::filesystem;

class UploadSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("upload-spool-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string ReadBack(const UploadSpool& spool, size_t piece) {
    std::string out;
    spool.ReadAll(piece, [&out, piece](std::string_view bytes) {
      EXPECT_LE(bytes.size(), piece);
      out.append(bytes);
    });
    return out;
  }

  fs::path dir_;
};

TEST_F(UploadSpoolTest, GivesBackEveryByteInOrderAndLeavesNoFileBehind) {
  UploadSpool spool(dir_.string(), 1 << 20);
  std::string written;
  for (int i = 0; i < 1000; ++i) {
    const std::string line = std::to_string(i) + ",Department " + std::to_string(i) + "\n";
    spool.Write(line);
    written += line;
  }
  EXPECT_EQ(spool.size(), written.size());
  EXPECT_TRUE(fs::is_empty(dir_)) << "the spool is unlinked as soon as it is created";
  EXPECT_EQ(ReadBack(spool, 7), written);
  EXPECT_EQ(ReadBack(spool, 1 << 16), written);  // read again: the bytes stay until the spool goes
}

TEST_F(UploadSpoolTest, AnEmptySpoolReadsNothing) {
  const UploadSpool spool(dir_.string(), 10);
  EXPECT_EQ(ReadBack(spool, 4), "");
}

TEST_F(UploadSpoolTest, RefusesBytesPastItsBound) {
  UploadSpool spool(dir_.string(), 10);
  spool.Write("0123456789");  // exactly the bound
  try {
    spool.Write("x");
    FAIL() << "a byte past the bound was accepted";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kPayloadTooLarge);
  }
  EXPECT_EQ(spool.size(), 10u);
}

TEST_F(UploadSpoolTest, AFolderThatCannotHoldItIsUnavailableNotABug) {
  try {
    const UploadSpool spool((dir_ / "missing").string(), 10);
    FAIL() << "a spool was created in a missing folder";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(e.detail().find("scratch directory"), std::string::npos) << e.detail();
  }
}

TEST(ScratchDirectoryTest, TheConfiguredFolderElseTmpdirElseTmp) {
  EXPECT_EQ(ScratchDirectory("/srv/scratch"), "/srv/scratch");
  const char* saved = std::getenv("TMPDIR");
  const std::string restore = saved != nullptr ? saved : "";
  ::setenv("TMPDIR", "/var/tmp", 1);
  EXPECT_EQ(ScratchDirectory(""), "/var/tmp");
  ::unsetenv("TMPDIR");
  EXPECT_EQ(ScratchDirectory(""), "/tmp");
  if (saved != nullptr) ::setenv("TMPDIR", restore.c_str(), 1);
}

}  // namespace
}  // namespace migration::ingest
