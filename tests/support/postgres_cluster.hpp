#pragma once
// A private PostgreSQL 15 cluster for one test: initdb in a temporary directory, a free loopback
// port, fsync off. For the fault tests that stop and start PostgreSQL under a running service:
// doing that to the shared server of scripts/test-servers.sh would break every test running at the
// same moment (ctest runs the suites in parallel), so they get a cluster of their own.
//
// The binaries come from TEST_POSTGRES_BIN_DIR (exported by scripts/test-servers.sh), else
// /usr/lib/postgresql/15/bin. initdb and postgres refuse to run as root: as root, they run as the
// `postgres` user through runuser, the way scripts/test-servers.sh does it.

#include <string>

namespace migration::testing {

class PostgresCluster {
 public:
  // Creates and starts the cluster, with a superuser role `migration` owning database
  // `migration_test`. Throws (with the server's log) when anything fails.
  PostgresCluster();
  // Stops the cluster (immediate) and removes its directory.
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // `pg_ctl stop -m MODE -w`: "fast" ends every session (as an operator's restart or a failover
  // does); "immediate" is a crash without a shutdown checkpoint.
  void Stop(const std::string& mode = "fast");
  // `pg_ctl start -w` on the same port and data directory.
  void Start();
  bool running() const { return running_; }

  // Turns TLS on (ssl = on, reloaded: no restart) with the given PEM certificate chain and key,
  // copied into the data directory for the server user, and makes pg_hba.conf refuse every TCP
  // connection that is not TLS.
  void EnableTls(const std::string& cert_file, const std::string& key_file);

  int port() const { return port_; }
  // postgresql://migration@127.0.0.1:PORT/migration_test
  std::string Url() const;
  // postgresql://postgres@127.0.0.1:PORT/postgres
  std::string AdminUrl() const;
  // The server's log so far (for failure messages).
  std::string Log() const;

 private:
  std::string bin_dir_;
  std::string work_dir_;
  std::string data_dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace migration::testing
