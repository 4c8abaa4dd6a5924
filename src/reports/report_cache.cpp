#include "reports/report_cache.hpp"

namespace migration::reports {

namespace {
constexpr size_t kMaxEntries = 1024;  // 2 reports x 201 years x 2 formats fit; bounded anyway
}  // namespace

std::string ReportCache::Get(db::Database& db, const std::string& report, int year, int format,
                             const std::function<std::string()>& render) {
  const int64_t version = db.DataVersion();
  const auto key = std::make_tuple(report, year, format);
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && it->second.version == version) return it->second.body;
  }
  std::string body = render();
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  auto& entry = entries_[key];
  // Keep the newest: a slower request computed at an older version must not replace it.
  if (entry.body.empty() || entry.version <= version) entry = {version, body};
  return body;
}

}  // namespace migration::reports
