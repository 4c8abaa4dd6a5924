#include "http/body_pace.hpp"

namespace migration::http {

BodyDeadline NextBodyDeadline(const BodyPacing& pacing, const BodyPace& pace,
                              std::chrono::steady_clock::time_point now) {
  using std::chrono::steady_clock;
  BodyDeadline deadline{now + pacing.idle_timeout, false};
  if (pacing.min_bytes_per_second == 0) return deadline;
  // The time the bytes received so far buy at the minimum rate, on top of the window.
  const std::chrono::duration<double> earned(static_cast<double>(pace.received) /
                                             static_cast<double>(pacing.min_bytes_per_second));
  const auto due = pace.started + pacing.rate_window + std::chrono::duration_cast<steady_clock::duration>(earned);
  if (due < deadline.at) deadline = {due, true};
  return deadline;
}

}  // namespace migration::http
