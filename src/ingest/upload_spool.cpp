#include "ingest/upload_spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace migration::ingest {
namespace {

using core::Error;
using core::ErrorCode;

}  // namespace

std::string ScratchDirectory(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* tmpdir = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): read-only after start-up
  return tmpdir != nullptr && *tmpdir != '\0' ? std::string(tmpdir) : std::string("/tmp");
}

UploadSpool::UploadSpool(const std::string& dir, uint64_t max_bytes) : max_bytes_(max_bytes) {
  std::string path = ScratchDirectory(dir);
  if (path.back() != '/') path += '/';
  path += "migration-upload-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) {
    const int error = errno;
    throw Error(ErrorCode::kUnavailable,
                fmt::format("the server cannot create a temporary file for this upload in its scratch directory ({}); "
                            "retry later",
                            std::strerror(error)));  // NOLINT(concurrency-mt-unsafe): message only
  }
  // Unlinked at once: the open descriptor is the only way to the bytes, and the file vanishes with it.
  ::unlink(name.data());
}

UploadSpool::~UploadSpool() {
  if (fd_ >= 0) ::close(fd_);
}

void UploadSpool::Write(std::string_view bytes) {
  if (bytes.size() > max_bytes_ - size_) {
    throw Error(ErrorCode::kPayloadTooLarge, fmt::format("the uploaded file is over {} bytes", max_bytes_));
  }
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      if (error == ENOSPC || error == EDQUOT) {
        throw Error(ErrorCode::kUnavailable,
                    "the server's scratch space is full, so this upload cannot be held until it is complete; nothing "
                    "was loaded; retry later");
      }
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("the server could not write this upload to its scratch space ({}); nothing was loaded; "
                              "retry later",
                              std::strerror(error)));  // NOLINT(concurrency-mt-unsafe): message only
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
}

void UploadSpool::ReadAll(size_t piece_bytes, const std::function<void(std::string_view)>& sink) const {
  std::vector<char> piece(piece_bytes);
  uint64_t offset = 0;
  while (offset < size_) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(piece.size(), size_ - offset));
    const ssize_t n = ::pread(fd_, piece.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("the server could not read this upload back from its scratch space ({}); nothing was "
                              "loaded; retry later",
                              std::strerror(error)));  // NOLINT(concurrency-mt-unsafe): message only
    }
    sink(std::string_view(piece.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
  }
}

}  // namespace migration::ingest
