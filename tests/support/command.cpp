#include "support/command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace migration::testing {

CommandResult RunProgram(const std::vector<std::string>& args) {
  if (args.empty()) throw std::invalid_argument("RunProgram needs a program");
  // Built before fork: the child of a threaded process should only exec.
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  argv.reserve(copy.size() + 1);
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  CommandResult result;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0) result.output.append(buffer.data(), n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult RunMigrationApi(const std::vector<std::string>& args) {
  std::vector<std::string> all = {MIGRATION_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  return RunProgram(all);
}

}  // namespace migration::testing
