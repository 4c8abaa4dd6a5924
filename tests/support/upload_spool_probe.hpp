#pragma once
// What a running server holds in upload spools (its open, already unlinked migration-upload-*
// files, seen through /proc/PID/fd), so a test can wait until an upload's bytes have reached the
// server before it acts, and check that no spool outlives its request.

#include <sys/types.h>

#include <chrono>
#include <cstdint>

namespace migration::testing {

struct UploadSpools {
  int files = 0;
  uint64_t bytes = 0;
};

UploadSpools OpenUploadSpools(pid_t pid);

// Polls until the server's spools hold at least `bytes` bytes; false after `timeout`.
bool WaitForSpooledBytes(pid_t pid, uint64_t bytes, std::chrono::milliseconds timeout);

// Polls until the server holds no spool; false after `timeout`.
bool WaitForNoSpool(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace migration::testing
