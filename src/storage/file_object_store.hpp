#pragma once
// ObjectStore on a local folder: key "a/b/c.csv" is the file ROOT/a/b/c.csv. Writes go to a
// temporary file beside the target (".objtmp-…", never listed) and are renamed over it once
// complete and flushed to disk, so a reader sees the old object or the whole new one, never a
// part. Keys are checked: no absolute paths, no "." or ".." segments, no empty segments, no
// backslashes or NUL, nothing starting with ".objtmp-" (the temporary files' names).

#include <filesystem>
#include <memory>
#include <string>

#include "storage/object_store.hpp"

namespace migration::storage {

class FileObjectStore : public ObjectStore {
 public:
  // Creates `root` (and its parents) if missing; a relative root is resolved against the working
  // directory now.
  explicit FileObjectStore(const std::filesystem::path& root);

  std::string Location(std::string_view key) const override;
  void Put(std::string_view key, std::string_view bytes) override;
  std::unique_ptr<ObjectWriter> OpenWriter(std::string_view key) override;
  std::string Get(std::string_view key) override;
  void Read(std::string_view key, const std::function<void(std::string_view)>& sink) override;
  std::optional<ObjectInfo> Head(std::string_view key) override;
  std::vector<ObjectInfo> List(std::string_view prefix) override;
  void Delete(std::string_view key) override;
  // A folder has no URLs a client could use on its own: these throw kBadRequest.
  std::string PresignUrl(std::string_view method, std::string_view key,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         std::chrono::seconds valid_for) override;
  std::string StartMultipartUpload(std::string_view key) override;
  bool SupportsPresignedUrls() const override { return false; }
  std::string PresignedUrlOrigin() const override { return ""; }

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path PathFor(std::string_view key) const;

  std::filesystem::path root_;
};

// Throws core::Error(kBadRequest) when `key` may not name a file under the root (see above).
void CheckFileKey(std::string_view key);

}  // namespace migration::storage
