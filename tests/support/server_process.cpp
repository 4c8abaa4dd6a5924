#include "support/server_process.hpp"

#include <algorithm>
#include <filesystem>

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace migration::testing {

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(std::string database_url, std::vector<std::string> extra_args)
    : database_url_(std::move(database_url)), extra_args_(std::move(extra_args)) {
  char log_template[] = "/tmp/migration-api-test-log-XXXXXX";
  const int fd = ::mkstemp(log_template);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  log_path_ = log_template;
  // Each server archives into its own folder unless the test names a store.
  if (std::find(extra_args_.begin(), extra_args_.end(), "--storage-url") == extra_args_.end()) {
    char objects_template[] = "/tmp/migration-api-test-objects-XXXXXX";
    if (::mkdtemp(objects_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    objects_dir_ = objects_template;
    extra_args_.insert(extra_args_.end(), {"--storage-url", "file://" + objects_dir_});
  }
  port_ = FreeLoopbackPort();
  Spawn();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGTERM);
  ::unlink(log_path_.c_str());
  if (!objects_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(objects_dir_, ignored);
  }
}

void ServerProcess::Spawn() {
  std::vector<std::string> args = {MIGRATION_BINARY, "serve",          "--port",      std::to_string(port_), "--bind",
                                   "127.0.0.1",      "--database-url", database_url_, "--log-format",        "json"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  bool exited = false;
  const bool healthy = WaitUntil(
      [&] {
        int status = 0;
        exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
        if (exited) return true;
        try {
          return Get(Url("/healthz")).status == 200;
        } catch (const std::exception&) {
          return false;  // not listening yet
        }
      },
      std::chrono::seconds(15), std::chrono::milliseconds(50));
  if (exited) {
    pid_ = -1;
    throw std::runtime_error("migration-api exited during start-up:\n" + Log());
  }
  if (!healthy) throw std::runtime_error("migration-api did not answer /healthz within 15 s:\n" + Log());
}

std::string ServerProcess::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signal);
  int status = 0;
  if (!WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) != 0; }, std::chrono::seconds(30))) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  // Under scripts/test-sanitize.sh the server is sanitized too: a report it printed (UBSan writes
  // to stderr, which is this log) fails the test, even when the test never looked at the server
  // again.
  const std::string log = Log();
  for (const char* marker : {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"}) {
    if (log.find(marker) != std::string::npos) {
      ADD_FAILURE() << "the server reported a sanitizer error (" << marker << "):\n" << log;
      break;
    }
  }
  return status;
}

void ServerProcess::Restart() {
  if (pid_ > 0) Stop(SIGTERM);
  Spawn();
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace migration::testing
