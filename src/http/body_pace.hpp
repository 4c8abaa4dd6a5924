#pragma once
// How long the server waits for the next bytes of a request body: at most the idle timeout, and
// no longer than keeps the body within one window of the minimum rate, so a client that trickles
// cannot hold a connection, a spool or a load slot for hours.

#include <chrono>
#include <cstdint>

namespace migration::http {

struct BodyPacing {
  std::chrono::seconds idle_timeout{60};  // each piece of the body must arrive within this
  // 0: no minimum rate. 4 KiB/s: a client on a poor mobile link still makes it; one that trickles
  // on purpose is cut off within a minute instead of holding a connection and its upload for hours.
  uint64_t min_bytes_per_second = 4096;
  std::chrono::seconds rate_window{60};  // how far behind the minimum rate a body may fall
};

// How a body is arriving: since when and how many bytes so far.
struct BodyPace {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  uint64_t received = 0;
};

struct BodyDeadline {
  std::chrono::steady_clock::time_point at;
  bool rate_bound = false;  // the minimum rate set it (the client is too slow), not the idle timeout
};

// The latest moment more body bytes may arrive, seen at `now`: `now` + the idle timeout, or sooner
// when the body would then be a whole window behind the minimum rate.
BodyDeadline NextBodyDeadline(const BodyPacing& pacing, const BodyPace& pace,
                              std::chrono::steady_clock::time_point now);

}  // namespace migration::http
