#pragma once
// Token buckets per caller (API key name, or client address when open): `rate` requests per
// second on average, bursts up to `burst`. Thread-safe; the table of buckets stays bounded.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace migration::api::access {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

  // nullopt: allowed (one token taken). Otherwise: whole seconds until a token is available.
  std::optional<int> Take(const std::string& caller, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void EvictFull(Clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace migration::api::access
