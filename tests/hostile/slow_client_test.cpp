// Slow and broken uploads against the real server: a client that trickles its body holds no lock
// and no database connection while it does (the body is spooled to disk and loaded once complete),
// one slower than MIN_UPLOAD_BYTES_PER_SECOND allows is cut off, a full scratch disk fails the
// upload cleanly, and uploads that break after their load began are torn down off the I/O threads.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/s3_fake_server.hpp"
#include "support/upload_spool_probe.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string UploadHead(const std::string& table, uint64_t content_length) {
  return "POST /v1/" + table + "/upload HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: text/csv\r\n" +
         "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

std::string Departments(int first, int count) {
  std::string csv;
  for (int id = first; id < first + count; ++id)
    csv += std::to_string(id) + ",Department number " + std::to_string(id) + "\n";
  return csv;
}

std::string HireLine(int id) {
  return std::to_string(id) + ",Person " + std::to_string(id) + ",2021-03-04T05:06:07Z," + std::to_string(1 + id % 3) +
         "," + std::to_string(1 + id % 3) + "\n";
}

// Sends `lines` one at a time, `pause` apart, as the body announced by `head`.
void Trickle(RawConnection& connection, const std::vector<std::string>& lines, milliseconds pause) {
  for (const auto& line : lines) {
    connection.Send(line);
    std::this_thread::sleep_for(pause);  // the slow client's pace is the behaviour under test
  }
}

class SlowClientTest : public ApiTest {};

// The bar: while an upload of hires trickles in for 12 s (before: its load held SQLite's write lock,
// or on PostgreSQL SHARE locks on departments and jobs, from its first byte to its last), one-row
// batches to the tables it references answer 2xx within 3 s.
TEST_P(SlowClientTest, AnUploadTricklingInFor12sDoesNotHoldUpBatchesToOtherTables) {
  SeedCatalog();
  std::vector<std::string> lines;
  uint64_t length = 0;
  for (int id = 1; id <= 24; ++id) {
    lines.push_back(HireLine(id));
    length += lines.back().size();
  }
  RawConnection upload(server_->port());
  const auto started = Clock::now();
  upload.Send(UploadHead("hired_employees", length));
  std::jthread trickle([&] { Trickle(upload, lines, milliseconds(500)); });
  ASSERT_TRUE(WaitForSpooledBytes(server_->pid(), lines[0].size(), seconds(5)))
      << "the upload never reached the server";

  int next_id = 100;
  for (const std::string table : {"departments", "jobs", "departments"}) {
    const auto sent = Clock::now();
    const HttpResponse batch =
        PostJson(table, table == "jobs" ? R"([{"id": )" + std::to_string(next_id) + R"(, "job": "Trickle"}])"
                                        : R"([{"id": )" + std::to_string(next_id) + R"(, "department": "Trickle"}])");
    const double took = SecondsSince(sent);
    EXPECT_EQ(batch.status, 201) << table << ": " << batch.body;
    EXPECT_LT(took, 3.0) << "a one-row batch to " << table << " waited on the trickling upload";
    ++next_id;
    // Spreads the batches over the trickle's 12 s: the pacing is the scenario, not synchronisation.
    std::this_thread::sleep_for(milliseconds(1500));
  }
  EXPECT_LT(SecondsSince(started), 11.0) << "the batches were not sent while the upload was still arriving";
  trickle.join();

  const std::string answer = upload.ReceiveUntilClosed();
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer.substr(0, 600);
  EXPECT_GE(SecondsSince(started), 12.0);
  EXPECT_EQ(CountRows("hired_employees"), 24);
  EXPECT_EQ(CountRows("departments"), 5);
  EXPECT_EQ(CountRows("jobs"), 4);
  EXPECT_TRUE(WaitForNoSpool(server_->pid(), seconds(5))) << "the upload's spool outlived its request";
}

// A client that goes away halfway: nothing is loaded, the attempt is recorded as a failed load,
// and its spool is gone.
TEST_P(SlowClientTest, AClientGoneHalfwayLeavesNoRowNoSpoolAndAFailedLoad) {
  const std::string body = Departments(1, 20000);
  {
    RawConnection upload(server_->port());
    upload.Send(UploadHead("departments", body.size()));
    upload.Send(body.substr(0, body.size() / 2));
    ASSERT_TRUE(WaitForSpooledBytes(server_->pid(), body.size() / 4, seconds(10)));
    upload.Close();
  }
  ASSERT_TRUE(WaitForNoSpool(server_->pid(), seconds(10)));
  nlohmann::json newest;
  WaitUntil(
      [&] {
        const nlohmann::json items = Get(Url("/v1/loads")).Json()["items"];
        if (items.empty()) return false;
        newest = items[0];
        return newest["status"] == "failed";
      },
      seconds(5), milliseconds(25));
  EXPECT_EQ(newest["status"], "failed") << "the newest load: " << newest.dump();
  EXPECT_EQ(CountRows("departments"), 0);
  EXPECT_EQ(UploadCsv("departments", Departments(1, 10)).status, 201);
}

MIGRATION_ON_BOTH_BACKENDS(SlowClientTest);

// MIN_UPLOAD_BYTES_PER_SECOND: a body may fall at most UPLOAD_RATE_WINDOW_SECONDS behind that rate.
class UploadRateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
    server_ = std::make_unique<ServerProcess>(
        database_->url(),
        std::vector<std::string>{"--min-upload-bytes-per-second", "2000", "--upload-rate-window-seconds", "2"});
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- server log ---\n" << server_->Log() << "\n";
  }

  // Sends `body` in pieces of `piece` bytes every `pause`; returns what the server answered and
  // when, from the first byte of the head.
  std::pair<std::string, double> SendAtPace(const std::string& body, size_t piece, milliseconds pause) {
    RawConnection upload(server_->port());
    const auto started = Clock::now();
    upload.Send(UploadHead("departments", body.size()));
    try {
      for (size_t at = 0; at < body.size(); at += piece) {
        upload.Send(body.substr(at, piece));
        std::this_thread::sleep_for(pause);  // the upload's rate is the behaviour under test
      }
    } catch (const std::exception&) {
      // The server closed the connection: what it said, if anything, is read below.
    }
    std::string answer = upload.ReceiveUntilClosed();
    return {std::move(answer), SecondsSince(started)};
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(UploadRateTest, AnUploadSlowerThanTheMinimumRateIsCutOffAndLoadsNothing) {
  // 500 bytes/s against 2000 required: behind by more than the 2 s window after about 2.7 s.
  const std::string body = Departments(1, 2000);
  const auto [answer, took] = SendAtPace(body, 100, milliseconds(200));
  EXPECT_EQ(answer.find("HTTP/1.1 201"), std::string::npos) << answer.substr(0, 600);
  EXPECT_GE(took, 2.0) << "cut off before the window";
  EXPECT_LT(took, 8.0) << "not cut off for a rate 4 times below the minimum";
  EXPECT_EQ(database_->QueryInt("SELECT count(*) FROM departments"), 0);
  EXPECT_TRUE(WaitForNoSpool(server_->pid(), seconds(5)));
  EXPECT_NE(server_->Log().find("upload_too_slow"), std::string::npos);
  EXPECT_EQ(Get(server_->Url("/healthz")).status, 200);
}

TEST_F(UploadRateTest, AnUploadFasterThanTheMinimumRateCompletesHoweverLongItTakes) {
  // 5000 bytes/s against 2000 required, for about 5 s: more than twice the window.
  std::string body = Departments(1, 1100);
  body.resize(std::min<size_t>(body.size(), 25000));
  body.erase(body.rfind('\n') + 1);
  const auto [answer, took] = SendAtPace(body, 500, milliseconds(100));
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer.substr(0, 600);
  EXPECT_GE(took, 4.0);
  EXPECT_GT(database_->QueryInt("SELECT count(*) FROM departments"), 900);
}

// The scratch folder on a 1 MiB tmpfs: an upload that does not fit is refused with 503 + Retry-After,
// loads nothing and leaves the folder empty; one that fits loads.
TEST(UploadSpoolTest, AFullScratchDiskFailsTheUploadCleanly) {
  const std::string scratch = ::testing::TempDir() + "/migration-spool-tmpfs-" + std::to_string(::getpid());
  std::filesystem::create_directories(scratch);
  if (::mount("tmpfs", scratch.c_str(), "tmpfs", 0, "size=1m") != 0) {
    const int error = errno;
    std::filesystem::remove(scratch);
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(error) << "): needs root";
  }
  {
    const TestDatabase database(Backend::kSqlite);
    const ServerProcess server(database.url(), {"--scratch-dir", scratch});
    const std::string big = Departments(1, 100000);  // ~2.7 MB
    const HttpResponse refused = Post(server.Url("/v1/departments/upload"), big, "text/csv");
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(refused.Header("retry-after"), "5");
    EXPECT_NE(refused.body.find("scratch space is full"), std::string::npos) << refused.body;
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM departments"), 0);
    EXPECT_TRUE(WaitForNoSpool(server.pid(), seconds(5)));
    EXPECT_TRUE(std::filesystem::is_empty(scratch));
    const HttpResponse fits = Post(server.Url("/v1/departments/upload"), Departments(1, 1000), "text/csv");
    EXPECT_EQ(fits.status, 201) << fits.body;
    EXPECT_TRUE(std::filesystem::is_empty(scratch));
  }
  ::umount(scratch.c_str());
  std::filesystem::remove(scratch);
}

// GET /healthz on one kept-alive connection, timed: the probe itself opens no connection per request.
class HealthProbe {
 public:
  explicit HealthProbe(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect the probe");
    }
  }
  ~HealthProbe() { ::close(fd_); }
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // Seconds until the whole answer arrived; fails the test unless it is a 200.
  double Probe() {
    const auto sent = Clock::now();
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("probe send failed");
    }
    std::string answer;
    char buffer[4096];
    for (;;) {
      const size_t head_end = answer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t length_at = answer.find("Content-Length: ");
        const size_t length = length_at == std::string::npos ? 0 : std::stoul(answer.substr(length_at + 16));
        if (answer.size() >= head_end + 4 + length) break;
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) throw std::runtime_error("probe connection closed");
      answer.append(buffer, static_cast<size_t>(n));
    }
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    return SecondsSince(sent);
  }

 private:
  int fd_;
};

// Ten uploads whose archive fails after their load has read every row (an S3 endpoint that refuses
// every request): each ends with its load's transaction still open, and tearing that down
// (ROLLBACK, a pool acquire, the UPDATE that records the failure) must not run on an I/O thread:
// /healthz answers within 100 ms throughout.
TEST(BrokenUploadTest, TenUploadsFailingAtOnceDoNotStallTheIoThreads) {
  FakeHttpServer s3([](const FakeRequest&) {
    return FakeReply{403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", {}};
  });
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
  const TestDatabase database(Backend::kSqlite);
  // Workers enough for every load and the probes, and one I/O thread, so that any blocking on it
  // shows: this measures the I/O thread, not the worker pool.
  const ServerProcess server(database.url(),
                             {"--storage-url", "s3://archive-bucket/uploads-test", "--s3-endpoint-url", s3.url(),
                              "--worker-threads", "24", "--max-in-flight-loads", "12", "--io-threads", "1"});
  const std::string body = Departments(1, 60000);
  std::vector<std::unique_ptr<RawConnection>> uploads;
  for (int i = 0; i < 10; ++i) {
    uploads.push_back(std::make_unique<RawConnection>(server.port()));
    uploads.back()->Send(UploadHead("departments", body.size()));
    uploads.back()->Send(body.substr(0, body.size() - 1));
  }
  ASSERT_TRUE(WaitForSpooledBytes(server.pid(), 10 * (body.size() - 1), seconds(20)));

  HealthProbe probe(server.port());
  std::atomic<bool> done{false};
  std::vector<double> latencies;
  std::jthread prober([&] {
    while (!done.load()) {
      latencies.push_back(probe.Probe());
      std::this_thread::sleep_for(milliseconds(10));  // the probes' pace, not synchronisation
    }
  });
  for (auto& upload : uploads) upload->Send(body.substr(body.size() - 1));  // every body complete at once
  int answered = 0;
  for (auto& upload : uploads) {
    const std::string answer = upload->ReceiveUntilClosed();
    EXPECT_EQ(answer.rfind("HTTP/1.1 2", 0), std::string::npos) << answer.substr(0, 600);
    EXPECT_FALSE(answer.empty());
    ++answered;
  }
  done = true;
  prober.join();
  EXPECT_EQ(answered, 10);
  ASSERT_FALSE(latencies.empty());
  const double worst = *std::max_element(latencies.begin(), latencies.end());
  std::cout << "[ healthz ] " << latencies.size() << " probes, worst " << worst * 1000 << " ms\n";
  EXPECT_LT(worst, 0.1) << "an I/O thread blocked while the broken uploads were torn down";
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM departments"), 0);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM loads WHERE status = 'failed'"), 10);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM loads WHERE status = 'running'"), 0);
}

}  // namespace
}  // namespace migration::testing
