#pragma once
// An upload's file on local disk while it arrives. The load (CSV reader + database) runs from the
// spool at disk speed once the body is complete, so a client that sends slowly never holds a
// transaction, a lock or a database connection while it does.
//
// The file is private (mkstemp: O_EXCL, mode 0600) in the scratch directory and is unlinked as soon
// as it is created: no path ever leaves it behind, a crash or SIGKILL included, and its space is
// freed when the spool is destroyed.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace migration::ingest {

// The folder for private temporary files: `configured` (SCRATCH_DIR), else $TMPDIR, else /tmp.
std::string ScratchDirectory(const std::string& configured);

class UploadSpool {
 public:
  // Throws core::Error(kUnavailable) when no file can be created in `dir` (empty: see ScratchDirectory).
  UploadSpool(const std::string& dir, uint64_t max_bytes);
  ~UploadSpool();
  UploadSpool(const UploadSpool&) = delete;
  UploadSpool& operator=(const UploadSpool&) = delete;

  // Appends `bytes`. Throws core::Error(kPayloadTooLarge) past `max_bytes`, and
  // core::Error(kUnavailable) when the disk is full (or fails): the upload ends, nothing is loaded.
  void Write(std::string_view bytes);

  // Hands every spooled byte to `sink`, from the start, in pieces of at most `piece_bytes`.
  void ReadAll(size_t piece_bytes, const std::function<void(std::string_view)>& sink) const;

  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t max_bytes_;
};

}  // namespace migration::ingest
