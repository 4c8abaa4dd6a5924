#include "storage/file_object_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "observability/service_metrics.hpp"

namespace migration::storage {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

constexpr std::string_view kTempPrefix = ".objtmp-";
constexpr size_t kReadChunk = 64 * 1024;

std::string SystemMessage(int error) { return std::generic_category().message(error); }

[[noreturn]] void ThrowIo(std::string_view what, const fs::path& path, int error) {
  throw Error(ErrorCode::kInternal, std::string(what) + " " + path.string() + ": " + SystemMessage(error));
}

// Counts one store call in the metrics, as failed unless Done() was reached.
class CallRecord {
 public:
  explicit CallRecord(std::string_view operation) : operation_(operation) {}
  ~CallRecord() { observability::RecordStorageCall(operation_, ok_); }
  CallRecord(const CallRecord&) = delete;
  CallRecord& operator=(const CallRecord&) = delete;
  void Done() { ok_ = true; }

 private:
  std::string_view operation_;
  bool ok_ = false;
};

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(random() % 1000000);
}

void WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIo("cannot write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// The directory's entry for a renamed file reaches the disk only with an fsync of the directory.
void SyncDirectory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string MtimeRfc3339(const struct stat& info) {
  return core::FormatRfc3339(static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000);
}

// A file being written: ROOT/dir/.objtmp-… renamed to ROOT/dir/name by Finish().
class FileWriter : public ObjectWriter {
 public:
  FileWriter(fs::path target, std::string key) : target_(std::move(target)), key_(std::move(key)) {
    std::error_code error;
    fs::create_directories(target_.parent_path(), error);
    if (error) ThrowIo("cannot create the folder", target_.parent_path(), error.value());
    temp_ = target_.parent_path() / (std::string(kTempPrefix) + TempSuffix() + "-" + target_.filename().string());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) ThrowIo("cannot create", temp_, errno);
  }
  ~FileWriter() override { Discard(); }
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void Write(std::string_view bytes) override {
    if (fd_ < 0) throw Error(ErrorCode::kInternal, "write to a finished or aborted object: " + target_.string());
    try {
      WriteAll(fd_, bytes, temp_);
    } catch (...) {
      observability::RecordStorageCall("put_object", false);
      Abort();
      throw;
    }
    size_ += bytes.size();
  }

  ObjectInfo Finish() override {
    if (fd_ < 0) throw Error(ErrorCode::kInternal, "finish of a finished or aborted object: " + target_.string());
    CallRecord record("put_object");
    // Flushed before the rename: after a crash the key holds the old object or the whole new one.
    if (::fsync(fd_) != 0) {
      const int error = errno;
      Abort();
      ThrowIo("cannot flush", temp_, error);
    }
    struct stat info {};
    ::fstat(fd_, &info);
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
      const int error = errno;
      ::unlink(temp_.c_str());
      ThrowIo("cannot rename into", target_, error);
    }
    SyncDirectory(target_.parent_path());
    record.Done();
    return ObjectInfo{key_, size_, MtimeRfc3339(info)};
  }

  void Abort() noexcept override { Discard(); }

 private:
  // Not virtual: the destructor calls it too.
  void Discard() noexcept {
    if (fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
    ::unlink(temp_.c_str());
  }

  fs::path target_;
  fs::path temp_;
  std::string key_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace

void CheckFileKey(std::string_view key) {
  const auto refuse = [&](std::string_view why) {
    return Error(ErrorCode::kBadRequest, "invalid object key \"" + std::string(key) + "\": " + std::string(why));
  };
  if (key.empty()) throw refuse("empty");
  if (key.front() == '/') throw refuse("absolute");
  if (key.find('\\') != std::string_view::npos || key.find('\0') != std::string_view::npos) {
    throw refuse("backslash or NUL");
  }
  size_t start = 0;
  while (start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) throw refuse("empty path segment");
    if (segment == "." || segment == "..") throw refuse(R"("." or ".." segment)");
    if (segment.starts_with(kTempPrefix)) throw refuse("reserved name");
    start = end + 1;
  }
}

FileObjectStore::FileObjectStore(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (!root_.has_filename() && root_ != root_.root_path()) root_ = root_.parent_path();  // "dir/" -> "dir"
  std::error_code error;
  fs::create_directories(root_, error);
  if (error) ThrowIo("cannot create the storage folder", root_, error.value());
}

fs::path FileObjectStore::PathFor(std::string_view key) const {
  CheckFileKey(key);
  return root_ / fs::path(std::string(key));
}

std::string FileObjectStore::Location(std::string_view key) const {
  return "file://" + (root_ / fs::path(std::string(key))).string();
}

void FileObjectStore::Put(std::string_view key, std::string_view bytes) {
  FileWriter writer(PathFor(key), std::string(key));
  writer.Write(bytes);
  writer.Finish();
}

std::unique_ptr<ObjectWriter> FileObjectStore::OpenWriter(std::string_view key) {
  return std::make_unique<FileWriter>(PathFor(key), std::string(key));
}

std::string FileObjectStore::Get(std::string_view key) {
  std::string bytes;
  Read(key, [&bytes](std::string_view chunk) { bytes.append(chunk); });
  return bytes;
}

void FileObjectStore::Read(std::string_view key, const std::function<void(std::string_view)>& sink) {
  CallRecord record("get_object");
  const fs::path path = PathFor(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw Error(ErrorCode::kNotFound, "no such object: " + Location(key));
    ThrowIo("cannot open", path, errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::array<char, kReadChunk> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIo("cannot read", path, errno);
    }
    if (n == 0) break;
    sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  record.Done();
}

std::optional<ObjectInfo> FileObjectStore::Head(std::string_view key) {
  CallRecord record("head_object");
  const fs::path path = PathFor(key);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) ThrowIo("cannot stat", path, errno);
    record.Done();
    return std::nullopt;
  }
  record.Done();
  if (!S_ISREG(info.st_mode)) return std::nullopt;
  return ObjectInfo{std::string(key), static_cast<uint64_t>(info.st_size), MtimeRfc3339(info)};
}

std::vector<ObjectInfo> FileObjectStore::List(std::string_view prefix) {
  CallRecord record("list_objects");
  std::vector<ObjectInfo> objects;
  // Walk only the deepest folder the prefix names ("uploads/jobs/2026" -> ROOT/uploads/jobs).
  const size_t slash = prefix.rfind('/');
  const std::string folder = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  if (!folder.empty()) CheckFileKey(folder);  // never walk outside the root ("../")
  const fs::path start = folder.empty() ? root_ : root_ / fs::path(folder);
  std::error_code error;
  if (!fs::is_directory(start, error)) {
    record.Done();
    return objects;
  }
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, error);
  if (error) ThrowIo("cannot list", start, error.value());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(error)) {
    if (error) ThrowIo("cannot list", start, error.value());
    if (!it->is_regular_file(error)) continue;
    const std::string name = it->path().filename().string();
    if (name.starts_with(kTempPrefix)) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (!key.starts_with(prefix)) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0) continue;  // removed while we walked
    objects.push_back(ObjectInfo{std::move(key), static_cast<uint64_t>(info.st_size), MtimeRfc3339(info)});
  }
  if (error) ThrowIo("cannot list", start, error.value());
  // Key order is byte order, as S3 lists (a directory walk is not ordered).
  std::sort(objects.begin(), objects.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  record.Done();
  return objects;
}

void FileObjectStore::Delete(std::string_view key) {
  CallRecord record("delete_object");
  const fs::path path = PathFor(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) ThrowIo("cannot delete", path, errno);
  record.Done();
}

std::string FileObjectStore::PresignUrl(std::string_view /*method*/, std::string_view /*key*/,
                                        const std::vector<std::pair<std::string, std::string>>& /*query*/,
                                        std::chrono::seconds /*valid_for*/) {
  throw Error(ErrorCode::kBadRequest,
              "direct uploads and downloads need S3 object storage (STORAGE_URL=s3://bucket/prefix); "
              "this service stores objects in a local folder");
}

std::string FileObjectStore::StartMultipartUpload(std::string_view /*key*/) {
  throw Error(ErrorCode::kBadRequest,
              "direct multipart uploads need S3 object storage (STORAGE_URL=s3://bucket/prefix); "
              "this service stores objects in a local folder");
}

}  // namespace migration::storage
