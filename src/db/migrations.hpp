#pragma once
// Versioned schema migrations embedded into the binary (src/db/migrations/<backend>/NNNN_name.sql).

#include <string>
#include <string_view>
#include <vector>

namespace migration::db {

// Generated from the .sql files by cmake/embed.cmake: {"sqlite/0001_init.sql", "<sql>"}, ...
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedFiles();

struct Migration {
  int version;
  std::string name;
  std::string_view sql;
};

// The migrations of one backend ("sqlite" or "postgres"), ordered by version.
std::vector<Migration> MigrationsFor(std::string_view backend);
int LatestVersion(std::string_view backend);

}  // namespace migration::db
