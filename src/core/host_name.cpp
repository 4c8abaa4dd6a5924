#include "core/host_name.hpp"

#include <unistd.h>

#include <array>

namespace migration::core {

std::string HostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "unknown";
  return name.data();
}

}  // namespace migration::core
