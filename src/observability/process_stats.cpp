#include "observability/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace migration::observability {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Seconds since the epoch at which the machine booted ("btime" in /proc/stat).
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

int64_t CountOpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // not the descriptor opendir() used to list them
}

}  // namespace

std::optional<ProcessStats> ReadProcessStats() {
  const auto stat = ReadFile("/proc/self/stat");
  if (!stat) return std::nullopt;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted from
  // the last ')'. Field numbers below are those of proc(5).
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat->substr(close + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
  auto field = [&fields](size_t number) -> double {
    const size_t index = number - 3;  // fields[0] is field 3 (state)
    return index < fields.size() ? std::stod(fields[index]) : 0.0;
  };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  ProcessStats stats;
  try {
    stats.cpu_seconds = (field(14) + field(15)) / ticks;  // utime + stime
    stats.threads = static_cast<int64_t>(field(20));
    if (const auto boot = BootTime()) stats.start_time_seconds = *boot + field(22) / ticks;
    stats.virtual_bytes = field(23);
    stats.resident_bytes = field(24) * page;
  } catch (const std::exception&) {
    return std::nullopt;  // an unexpected /proc format: report nothing rather than nonsense
  }
  stats.open_fds = CountOpenFds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<int64_t>(limit.rlim_cur);
  }
  return stats;
}

}  // namespace migration::observability
