#include "api/access/auth_failure_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace migration::api::access {

AuthFailureLimiter::AuthFailureLimiter(int limit, std::chrono::seconds window)
    : limit_(std::max(1, limit)), per_second_(limit_ / static_cast<double>(std::max<int64_t>(1, window.count()))) {}

void AuthFailureLimiter::Refill(Bucket& bucket, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(limit_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
  }
}

std::optional<int> AuthFailureLimiter::RetryAfter(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(address);
  if (it == buckets_.end()) return std::nullopt;
  Refill(it->second, now);
  if (it->second.tokens >= 1.0) return std::nullopt;
  return std::max(1, static_cast<int>(std::ceil((1.0 - it->second.tokens) / per_second_)));
}

void AuthFailureLimiter::RecordFailure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxAddresses) EvictFull(now);
    // Still full of addresses failing right now: the newest is not tracked rather than memory grown.
    if (buckets_.size() >= kMaxAddresses) return;
    it = buckets_.emplace(address, Bucket{limit_, now}).first;
  }
  Refill(it->second, now);
  it->second.tokens = std::max(0.0, it->second.tokens - 1.0);
}

// An address whose bucket has refilled completely is no different from one never seen.
void AuthFailureLimiter::EvictFull(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= limit_ ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace migration::api::access
