#pragma once
// Progress of a long CLI run (`load`, `import`) on stderr: on a terminal, one line redrawn at most
// five times a second (bytes, percent, rows, rows/s, ETA); otherwise (a log file, CI, a pipe) one
// JSON line per second, so a long run is never silent until its end.

#include <chrono>
#include <cstdint>
#include <string>

namespace migration::app {

class ProgressDisplay {
 public:
  // `name`: what is read (a file name); `total`: its bytes (0 when unknown).
  ProgressDisplay(std::string name, uint64_t total);
  ProgressDisplay(std::string name, uint64_t total, bool terminal);
  void Update(uint64_t bytes, uint64_t rows);
  // Clears the terminal line (the summary follows).
  void Done();

  // "1:02:03" or "2:03"; for the line and the tests.
  static std::string Duration(double seconds);

 private:
  std::string name_;
  uint64_t total_;
  bool terminal_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace migration::app
