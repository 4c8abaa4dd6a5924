#include "support/upload_spool_probe.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <string>
#include <system_error>

#include "support/wait.hpp"

namespace migration::testing {

UploadSpools OpenUploadSpools(pid_t pid) {
  UploadSpools spools;
  const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(fds, ec)) {
    std::array<char, 4096> target{};
    const ssize_t n = ::readlink(entry.path().c_str(), target.data(), target.size() - 1);
    if (n <= 0) continue;
    if (std::string(target.data(), static_cast<size_t>(n)).find("/migration-upload-") == std::string::npos) continue;
    struct stat info {};
    if (::stat(entry.path().c_str(), &info) != 0) continue;  // closed meanwhile
    ++spools.files;
    spools.bytes += static_cast<uint64_t>(info.st_size);
  }
  return spools;
}

bool WaitForSpooledBytes(pid_t pid, uint64_t bytes, std::chrono::milliseconds timeout) {
  return WaitUntil([&] { return OpenUploadSpools(pid).bytes >= bytes; }, timeout, std::chrono::milliseconds(10));
}

bool WaitForNoSpool(pid_t pid, std::chrono::milliseconds timeout) {
  return WaitUntil([&] { return OpenUploadSpools(pid).files == 0; }, timeout, std::chrono::milliseconds(10));
}

}  // namespace migration::testing
