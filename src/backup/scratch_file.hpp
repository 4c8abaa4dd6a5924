#pragma once
// A private temporary file for one operation (a backup being written, a restore's download):
// created by mkstemp in the scratch directory, so its name cannot be guessed and no other request
// (or process) can open, truncate or replace it (O_EXCL, mode 0600). Removed when it goes out of
// scope, whatever happened.

#include <filesystem>
#include <string_view>

namespace migration::backup {

// SCRATCH_DIR as configured; empty: $TMPDIR, else /tmp.
std::filesystem::path ScratchDirectory(std::string_view configured);

class ScratchFile {
 public:
  // `dir`/<prefix>XXXXXX<suffix>. Throws core::Error(kInternal) naming the folder when it cannot
  // be created there (missing folder, no permission, disk full).
  ScratchFile(const std::filesystem::path& dir, std::string_view prefix, std::string_view suffix);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Open for writing (and reading) from the start of the file; valid until destruction.
  int fd() const { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace migration::backup
