#include "db/migrations.hpp"

#include <algorithm>
#include <charconv>

namespace migration::db {

std::vector<Migration> MigrationsFor(std::string_view backend) {
  std::vector<Migration> out;
  for (const auto& [path, sql] : EmbeddedFiles()) {
    const auto slash = path.find('/');
    if (slash == std::string_view::npos || path.substr(0, slash) != backend) continue;
    const std::string_view file = path.substr(slash + 1);  // "0001_init.sql"
    int version = 0;
    std::from_chars(file.data(), file.data() + file.size(), version);
    const auto stem_end = file.rfind(".sql");
    const auto name_start = file.find('_') + 1;
    out.push_back({version, std::string(file.substr(name_start, stem_end - name_start)), sql});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

int LatestVersion(std::string_view backend) {
  const auto all = MigrationsFor(backend);
  return all.empty() ? 0 : all.back().version;
}

}  // namespace migration::db
