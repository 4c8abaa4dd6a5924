#pragma once
// Runs the migration-api binary (or another program) as a command line tool and captures what it
// prints.

#include <string>
#include <vector>

namespace migration::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

CommandResult RunMigrationApi(const std::vector<std::string>& args);

// Runs any program (found on PATH) with its arguments, no shell; exit code 127 when it cannot be
// started.
CommandResult RunProgram(const std::vector<std::string>& args);

}  // namespace migration::testing
