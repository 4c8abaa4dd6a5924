#include "support/postgres_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/server_process.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs a PostgreSQL tool to completion with its output appended to `log_path`; as root, as the
// postgres user. Returns true when it exits 0.
bool RunPgTool(std::vector<std::string> args, const std::string& log_path) {
  if (::geteuid() == 0) args.insert(args.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    // The postmaster outlives this child: it must not inherit the test's sockets (a connection the
    // test closes would stay open in it).
    ::close_range(3, ~0U, 0);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void ChownToPostgres(const std::string& path) {
  if (::geteuid() != 0) return;
  const passwd* user = ::getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("running as root, but there is no postgres user to run PostgreSQL as");
  if (::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) throw std::runtime_error("chown " + path + " failed");
}

void ExecSql(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error("SQL failed: " + sql + ": " + PQerrorMessage(conn.get()));
  }
}

}  // namespace

PostgresCluster::PostgresCluster() {
  const char* bin = std::getenv("TEST_POSTGRES_BIN_DIR");
  bin_dir_ = bin != nullptr && *bin != '\0' ? bin : "/usr/lib/postgresql/15/bin";
  if (::access((bin_dir_ + "/postgres").c_str(), X_OK) != 0) {
    throw std::runtime_error("PostgreSQL 15 is not installed in " + bin_dir_ + " (run scripts/install-deps.sh)");
  }
  char dir_template[] = "/tmp/migration-pgcluster-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  work_dir_ = dir_template;
  ::chmod(work_dir_.c_str(), 0755);
  const std::string pg_dir = work_dir_ + "/pg";  // owned by postgres: data, socket and server log
  ::mkdir(pg_dir.c_str(), 0700);
  ChownToPostgres(pg_dir);
  data_dir_ = pg_dir + "/data";
  try {
    if (!RunPgTool(
            {bin_dir_ + "/initdb", "-D", data_dir_, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"},
            work_dir_ + "/initdb.log")) {
      throw std::runtime_error("initdb failed:\n" + ReadFile(work_dir_ + "/initdb.log"));
    }
    // A free port can be taken between the probe and the server's bind: try a few.
    for (int attempt = 0;; ++attempt) {
      port_ = FreeLoopbackPort();
      try {
        Start();
        break;
      } catch (const std::exception&) {
        if (attempt == 2) throw;
      }
    }
    ExecSql(AdminUrl(), "CREATE ROLE migration LOGIN SUPERUSER");
    ExecSql(AdminUrl(), "CREATE DATABASE migration_test OWNER migration");
  } catch (...) {
    if (running_) Stop("immediate");
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
    throw;
  }
}

PostgresCluster::~PostgresCluster() {
  try {
    if (running_) Stop("immediate");
  } catch (const std::exception&) {
    // Best effort: nothing else uses this cluster.
  }
  std::error_code ignored;
  std::filesystem::remove_all(work_dir_, ignored);
}

void PostgresCluster::Start() {
  // synchronous_commit stays on: the tests crash this server on purpose (stop -m immediate), and
  // a commit the service was told about must survive that. fsync off is safe: the OS does not crash.
  const std::string options = "-p " + std::to_string(port_) + " -k " + work_dir_ + "/pg" +
                              " -c listen_addresses=127.0.0.1 -c fsync=off"
                              " -c full_page_writes=off -c max_connections=100";
  if (!RunPgTool({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", work_dir_ + "/pg/server.log", "-w", "-t", "60", "start",
                  "-o", options},
                 work_dir_ + "/pg_ctl.log")) {
    throw std::runtime_error("PostgreSQL did not start:\n" + Log());
  }
  running_ = true;
}

void PostgresCluster::Stop(const std::string& mode) {
  if (!RunPgTool({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", mode, "-w", "-t", "60", "stop"},
                 work_dir_ + "/pg_ctl.log")) {
    throw std::runtime_error("PostgreSQL did not stop:\n" + Log());
  }
  running_ = false;
}

void PostgresCluster::EnableTls(const std::string& cert_file, const std::string& key_file) {
  namespace fs = std::filesystem;
  const std::string cert = data_dir_ + "/server.crt";
  const std::string key = data_dir_ + "/server.key";
  fs::copy_file(cert_file, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(key_file, key, fs::copy_options::overwrite_existing);
  // PostgreSQL refuses a key file that others can read.
  ::chmod(key.c_str(), 0600);
  ChownToPostgres(cert);
  ChownToPostgres(key);
  std::ofstream(data_dir_ + "/pg_hba.conf") << "local all all trust\n"
                                               "hostssl all all 127.0.0.1/32 trust\n"
                                               "hostnossl all all 127.0.0.1/32 reject\n";
  // Through the Unix socket: TCP connections must be TLS from the reload on.
  const std::string socket_url =
      "postgresql://postgres@/postgres?host=" + work_dir_ + "/pg&port=" + std::to_string(port_);
  ExecSql(socket_url, "ALTER SYSTEM SET ssl = on");
  ExecSql(socket_url, "ALTER SYSTEM SET ssl_cert_file = 'server.crt'");
  ExecSql(socket_url, "ALTER SYSTEM SET ssl_key_file = 'server.key'");
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(socket_url.c_str()), &PQfinish);
  std::unique_ptr<PGresult, decltype(&PQclear)> reload(PQexec(conn.get(), "SELECT pg_reload_conf()"), &PQclear);
  if (PQresultStatus(reload.get()) != PGRES_TUPLES_OK) {
    throw std::runtime_error(std::string("pg_reload_conf failed: ") + PQerrorMessage(conn.get()));
  }
  // pg_reload_conf() only signals the postmaster: wait (bounded) until it answers TLS.
  const std::string tls_url = AdminUrl() + "?sslmode=require&connect_timeout=2";
  std::string last_error;
  const bool tls = WaitUntil(
      [&] {
        std::unique_ptr<PGconn, decltype(&PQfinish)> probe(PQconnectdb(tls_url.c_str()), &PQfinish);
        last_error = PQerrorMessage(probe.get());
        return PQstatus(probe.get()) == CONNECTION_OK;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50));
  if (!tls) throw std::runtime_error("PostgreSQL did not turn TLS on: " + last_error + Log());
}

std::string PostgresCluster::Url() const {
  return "postgresql://migration@127.0.0.1:" + std::to_string(port_) + "/migration_test";
}

std::string PostgresCluster::AdminUrl() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PostgresCluster::Log() const {
  return ReadFile(work_dir_ + "/pg/server.log") + ReadFile(work_dir_ + "/pg_ctl.log");
}

}  // namespace migration::testing
