#include "api/access/forwarded_for.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace migration::api::access {
namespace {

// An IPv4 or IPv6 address as text (inet_pton's forms); a port, a name or "unknown" is not one.
bool IsAddress(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  const std::string copy(text);
  in6_addr parsed{};
  return ::inet_pton(AF_INET, copy.c_str(), &parsed) == 1 || ::inet_pton(AF_INET6, copy.c_str(), &parsed) == 1;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string ClientAddress(std::string_view peer, const std::vector<std::string_view>& forwarded_for, int hops) {
  if (hops <= 0) return std::string(peer);
  // Entries from the right, only as many as needed: a long header costs nothing more.
  std::vector<std::string_view> from_right;
  for (size_t line = forwarded_for.size(); line-- > 0;) {
    std::string_view rest = forwarded_for[line];
    while (static_cast<int>(from_right.size()) < hops) {
      const size_t comma = rest.rfind(',');
      const std::string_view entry = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      if (!entry.empty()) from_right.push_back(entry);
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
    if (static_cast<int>(from_right.size()) >= hops) break;
  }
  if (from_right.empty()) return std::string(peer);
  const std::string_view client = from_right.back();
  return IsAddress(client) ? std::string(client) : std::string(peer);
}

}  // namespace migration::api::access
