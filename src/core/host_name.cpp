#include "core/host_name.hpp"

#include <unistd.h>
#include <csignal>

#include <array>
#include <cerrno>
#include <charconv>

namespace migration::core {

std::string HostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "unknown";
  return name.data();
}

std::string ProcessName() { return HostName() + "/" + std::to_string(::getpid()); }

bool IsEndedProcessOfThisHost(std::string_view holder) {
  const std::string host = HostName();
  if (holder == host) return true;
  if (holder.size() <= host.size() + 1 || !holder.starts_with(host) || holder[host.size()] != '/') return false;
  const std::string_view digits = holder.substr(host.size() + 1);
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return false;
  if (pid == ::getpid()) return true;
  // Signal 0 checks existence only. EPERM: it exists, under another user.
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace migration::core
