#pragma once
// Runs the built migration-api binary as a child process on a free loopback port, the way an
// operator would: `migration-api serve --port P` with DATABASE_URL in its environment.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace migration::testing {

class ServerProcess {
 public:
  // Starts the server and waits until GET /healthz answers (fails the test after 15 s).
  ServerProcess(std::string database_url, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGTERM, then SIGKILL if it does not stop in time

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::string Url(const std::string& path) const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the process to exit; returns its wait status.
  int Stop(int signal);
  // Starts again with the same database and port.
  void Restart();
  // Everything the server wrote to stdout/stderr so far.
  std::string Log() const;
  // The folder of its file:// object store (empty when the test passed its own --storage-url).
  const std::string& objects_dir() const { return objects_dir_; }

 private:
  void Spawn();

  std::string database_url_;
  std::vector<std::string> extra_args_;
  std::string log_path_;
  std::string objects_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int FreeLoopbackPort();

}  // namespace migration::testing
