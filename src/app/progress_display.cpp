#include "app/progress_display.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <cmath>
#include <cstdio>

namespace migration::app {

ProgressDisplay::ProgressDisplay(std::string name, uint64_t total)
    : ProgressDisplay(std::move(name), total, isatty(STDERR_FILENO) != 0) {}

ProgressDisplay::ProgressDisplay(std::string name, uint64_t total, bool terminal)
    : name_(std::move(name)), total_(total), terminal_(terminal), started_(std::chrono::steady_clock::now()) {}

std::string ProgressDisplay::Duration(double seconds) {
  const auto whole = static_cast<int64_t>(std::llround(seconds < 0 ? 0 : seconds));
  if (whole >= 3600) return fmt::format("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
  return fmt::format("{}:{:02}", whole / 60, whole % 60);
}

void ProgressDisplay::Update(uint64_t bytes, uint64_t rows) {
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < (terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(1000))) return;
  last_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  const double rows_per_second = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  const double bytes_per_second = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  const uint64_t left = total_ > bytes ? total_ - bytes : 0;
  const double eta = bytes_per_second > 0 ? static_cast<double>(left) / bytes_per_second : 0;
  if (!terminal_) {
    const nlohmann::ordered_json line = {{"event", "progress"},
                                         {"file", name_},
                                         {"bytes_read", bytes},
                                         {"bytes_total", total_},
                                         {"rows", rows},
                                         {"rows_per_second", std::llround(rows_per_second)},
                                         {"eta_seconds", std::llround(eta)}};
    std::fprintf(stderr, "%s\n", line.dump().c_str());
    return;
  }
  const double pct = total_ == 0 ? 100.0 : 100.0 * static_cast<double>(bytes) / static_cast<double>(total_);
  constexpr int kBarWidth = 24;
  const int filled = static_cast<int>(pct / 100.0 * kBarWidth);
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(kBarWidth - filled, '.');
  std::fprintf(stderr, "\r\033[K%s [%s] %5.1f%%  %.1f/%.1f MB  %llu rows  %s rows/s  ETA %s", name_.c_str(),
               bar.c_str(), pct, static_cast<double>(bytes) / 1e6, static_cast<double>(total_) / 1e6,
               static_cast<unsigned long long>(rows), fmt::format("{:.0f}", rows_per_second).c_str(),
               Duration(eta).c_str());
}

void ProgressDisplay::Done() {
  if (terminal_ && drawn_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace migration::app
