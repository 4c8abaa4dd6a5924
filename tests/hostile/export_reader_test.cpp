// Clients of GET /v1/{table}?format=csv that do not read, against the real server: one that stops
// reading is dropped within --body-idle-timeout-seconds (its body left without the last chunk) while
// other clients, exports included, are served; and a stop in the middle of an export finishes
// within the grace period.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr int kIdleTimeoutSeconds = 2;
constexpr int kGraceSeconds = 2;
// ~10 MiB of CSV: more than the kernel's socket buffers on both ends take, so a reader that stops
// leaves the server with a write that cannot finish.
constexpr int kJobs = 40'000;

// A client socket with a small receive buffer (set before connecting, so the window stays small).
class StalledReader {
 public:
  StalledReader(int port, const std::string& request) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    const int buffer = 16 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("connect failed");
    }
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("send failed");
    }
    // Takes the head and the first bytes, then reads nothing until Drain().
    received_.resize(4096);
    const ssize_t got = ::recv(fd_, received_.data(), received_.size(), 0);
    received_.resize(got > 0 ? static_cast<size_t>(got) : 0);
  }
  ~StalledReader() { ::close(fd_); }
  StalledReader(const StalledReader&) = delete;
  StalledReader& operator=(const StalledReader&) = delete;

  // Everything the server sent, up to its closing the connection (or a reset).
  const std::string& Drain() {
    const timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::vector<char> buffer(1 << 16);
    for (;;) {
      const ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (got <= 0) break;
      received_.append(buffer.data(), static_cast<size_t>(got));
    }
    return received_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_;
  std::string received_;
};

std::string JobsCsv() {
  std::string csv;
  for (int id = 1; id <= kJobs; ++id) csv += std::to_string(id) + "," + std::string(240, 'j') + "\n";
  return csv;
}

const std::string kExportRequest = "GET /v1/jobs?format=csv HTTP/1.1\r\nHost: test\r\n\r\n";

class ExportReaderTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    server_ = std::make_unique<ServerProcess>(
        database_->url(), std::vector<std::string>{"--body-idle-timeout-seconds", std::to_string(kIdleTimeoutSeconds),
                                                   "--shutdown-grace-seconds", std::to_string(kGraceSeconds)});
    const HttpResponse loaded = Post(server_->Url("/v1/jobs/upload"), csv_, "text/csv");
    ASSERT_EQ(loaded.status, 201) << loaded.body;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- server log ---\n" << server_->Log() << "\n";
  }
  bool Logged(const std::string& event) const { return server_->Log().find("\"" + event + "\"") != std::string::npos; }

  const std::string csv_ = JobsCsv();
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ExportReaderTest, AReaderThatStopsIsDroppedWithinTheIdleTimeoutAndOthersAreServed) {
  StalledReader stalled(server_->port(), kExportRequest);
  ASSERT_EQ(stalled.received().rfind("HTTP/1.1 200", 0), 0U) << stalled.received();
  const auto stalled_at = Clock::now();
  // Meanwhile the server answers others, a whole export included.
  EXPECT_EQ(Get(server_->Url("/healthz")).status, 200);
  const HttpResponse other = Get(server_->Url("/v1/jobs?format=csv"));
  EXPECT_EQ(other.status, 200);
  EXPECT_TRUE(other.body == csv_) << other.body.size() << " bytes of " << csv_.size();

  ASSERT_TRUE(WaitUntil([&] { return Logged("response_reader_too_slow"); }, seconds(30)))
      << "the stalled export was never abandoned";
  EXPECT_LT(Clock::now() - stalled_at, seconds(kIdleTimeoutSeconds + 8));
  // What it gets when it reads again: part of the body and no last chunk, so it cannot take the
  // file for whole.
  const std::string& all = stalled.Drain();
  EXPECT_LT(all.size(), csv_.size());
  EXPECT_NE(all.substr(all.size() - 5), "0\r\n\r\n");
  EXPECT_NE(server_->Log().find("\"completed\":false"), std::string::npos);
  EXPECT_EQ(Get(server_->Url("/v1/jobs/1")).status, 200);
}

TEST_P(ExportReaderTest, StoppingDuringAnExportFinishesWithinTheGracePeriod) {
  StalledReader stalled(server_->port(), kExportRequest);
  ASSERT_EQ(stalled.received().rfind("HTTP/1.1 200", 0), 0U) << stalled.received();
  const auto stopping = Clock::now();
  const int status = server_->Stop(SIGTERM);
  EXPECT_LT(Clock::now() - stopping, seconds(kGraceSeconds + 8));
  EXPECT_TRUE(WIFEXITED(status)) << "the server did not exit by itself";
  const std::string& all = stalled.Drain();
  EXPECT_NE(all.substr(all.size() - 5), "0\r\n\r\n");
}

MIGRATION_ON_BOTH_BACKENDS(ExportReaderTest);

}  // namespace
}  // namespace migration::testing
