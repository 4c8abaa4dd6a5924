#include "api/access/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace migration::api::access {
namespace {

constexpr size_t kMaxBuckets = 100000;

}  // namespace

std::optional<int> RateLimiter::Take(const std::string& caller, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= kMaxBuckets) EvictFull(now);
  auto [it, inserted] = buckets_.try_emplace(caller, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - bucket.tokens) / rate_)));
}

// A bucket that has refilled completely holds no state worth keeping.
void RateLimiter::EvictFull(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace migration::api::access
