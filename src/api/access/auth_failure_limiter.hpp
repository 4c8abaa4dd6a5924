#pragma once
// Failed authentications per client address (issue 11): each unknown API key or invalid bearer
// token costs a SHA-256 or an RSA verify, and the request rate limit only applies once a caller is
// known. So an address gets `limit` failures per `window` (a token bucket refilled evenly over the
// window); past that, its requests that present a key or token are answered 429 before any is
// checked, until the bucket refills. Requests without credentials cost nothing and are not counted.
// Thread-safe; at most kMaxAddresses addresses are tracked.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace migration::api::access {

class AuthFailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxAddresses = 100000;

  AuthFailureLimiter(int limit, std::chrono::seconds window);

  // nullopt: `address` may try to authenticate. Otherwise whole seconds until it may (Retry-After).
  std::optional<int> RetryAfter(const std::string& address, Clock::time_point now = Clock::now());
  // One failed authentication from `address`.
  void RecordFailure(const std::string& address, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void Refill(Bucket& bucket, Clock::time_point now) const;
  void EvictFull(Clock::time_point now);

  double limit_;
  double per_second_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // only addresses that failed recently
};

}  // namespace migration::api::access
