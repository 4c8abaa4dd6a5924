#include "backup/scratch_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace migration::backup {

std::filesystem::path ScratchDirectory(std::string_view configured) {
  if (!configured.empty()) return std::filesystem::path(configured);
  std::error_code error;
  auto dir = std::filesystem::temp_directory_path(error);  // $TMPDIR (and kin), else /tmp
  return error ? std::filesystem::path("/tmp") : dir;
}

ScratchFile::ScratchFile(const std::filesystem::path& dir, std::string_view prefix, std::string_view suffix) {
  std::string name = (dir / prefix).string();
  name += "XXXXXX";
  name += suffix;
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  fd_ = ::mkstemps(buffer.data(), static_cast<int>(suffix.size()));
  if (fd_ < 0) {
    const std::error_code error(errno, std::generic_category());
    throw core::Error(core::ErrorCode::kInternal, "cannot create a temporary file in the scratch folder " +
                                                      dir.string() + " (SCRATCH_DIR): " + error.message());
  }
  path_ = std::string(buffer.begin(), buffer.end() - 1);  // without the NUL
}

ScratchFile::~ScratchFile() {
  ::close(fd_);
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

}  // namespace migration::backup
