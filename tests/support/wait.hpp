#pragma once
// The one way tests wait for the server (or PostgreSQL, or a file) to do something: poll the
// observable condition until it holds or a deadline passes. A fixed sleep is either too short on a
// busy machine (a flaky test) or too long everywhere else (a slow suite), and says nothing about
// what was awaited; a bounded poll is as fast as the condition and fails with a reason.

#include <chrono>
#include <functional>
#include <thread>

namespace migration::testing {

// True as soon as `condition` holds; false if it still does not after `timeout` (it is checked
// last at or just after the deadline). `poll` is the pause between checks.
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace migration::testing
