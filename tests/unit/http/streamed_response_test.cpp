// Streamed responses (BodyProducer) over real HTTP on loopback: the body arrives whole and chunked,
// a producer is asked for a piece only once the previous one is written, a failure after the head
// truncates the body (no last chunk), a reader that stops is dropped within the idle timeout while
// others are served, and a stop in the middle of a stream finishes within the grace period.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace migration::http {
namespace {

using testing::Get;
using testing::RawConnection;

// What the producers did, read by the tests while the server runs.
struct ProducerLog {
  std::atomic<int> calls{0};
  std::atomic<int> in_next{0};  // calls running now (never more than one per response)
  std::atomic<int> max_in_next{0};
  std::atomic<bool> destroyed{false};
};

// `pieces` pieces of BodyProducer::kPieceBytes, each filled with its own letter; then throws when
// `fail` is set, else ends. pieces < 0: never ends.
class Pieces : public BodyProducer {
 public:
  Pieces(ProducerLog& log, int pieces, bool fail) : log_(log), pieces_(pieces), fail_(fail) {}
  ~Pieces() override { log_.destroyed = true; }
  Pieces(const Pieces&) = delete;
  Pieces& operator=(const Pieces&) = delete;

  bool Next(std::string& piece) override {
    const int running = ++log_.in_next;
    int seen = log_.max_in_next.load();
    while (running > seen && !log_.max_in_next.compare_exchange_weak(seen, running)) {
    }
    const int call = log_.calls++;
    --log_.in_next;
    if (pieces_ >= 0 && call >= pieces_) {
      if (fail_) throw std::runtime_error("the database went away");
      return false;
    }
    piece.assign(kPieceBytes, static_cast<char>('a' + call % 26));
    return true;
  }

 private:
  ProducerLog& log_;
  int pieces_;
  bool fail_;
};

std::string ExpectedBody(int pieces) {
  std::string body;
  for (int i = 0; i < pieces; ++i) body.append(BodyProducer::kPieceBytes, static_cast<char>('a' + i % 26));
  return body;
}

class StreamedResponseTest : public ::testing::Test {
 protected:
  void Start(std::chrono::seconds idle_timeout, std::chrono::seconds grace) {
    router_.Add(
        {"GET", "/things", 0, [](Request&) { return Response::Json(200, R"({"ok":true})"); }, nullptr, "GET /things"});
    router_.Add({"GET", "/twelve", 0, [this](Request&) { return Streamed(12, false); }, nullptr, "GET /twelve"});
    router_.Add({"GET", "/broken", 0, [this](Request&) { return Streamed(2, true); }, nullptr, "GET /broken"});
    router_.Add({"GET", "/endless", 0, [this](Request&) { return Streamed(-1, false); }, nullptr, "GET /endless"});
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.io_threads = 1;
    options.worker_threads = 2;
    options.body_pacing.idle_timeout = idle_timeout;
    options.shutdown_grace = grace;
    server_ = std::make_unique<Server>(options, router_, state_);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->RequestStop();
      thread_.join();
    }
  }

  Response Streamed(int pieces, bool fail) {
    Response response{200, "text/plain", "", {}};
    response.producer = std::make_shared<Pieces>(log_, pieces, fail);
    return response;
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(state_.bound_port.load()) + path;
  }
  int port() const { return state_.bound_port.load(); }

  Router router_;
  ServerState state_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  ProducerLog log_;
};

TEST_F(StreamedResponseTest, TheWholeBodyArrivesChunkedOnePieceAtATime) {
  Start(std::chrono::seconds(60), std::chrono::seconds(5));
  const auto response = Get(Url("/twelve"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(response.body.size(), 12 * BodyProducer::kPieceBytes);
  EXPECT_TRUE(response.body == ExpectedBody(12));
  EXPECT_EQ(log_.calls.load(), 13);  // twelve pieces and the call that says there are no more
  EXPECT_EQ(log_.max_in_next.load(), 1);
  EXPECT_TRUE(testing::WaitUntil([&] { return log_.destroyed.load(); }, std::chrono::seconds(10)));
  // The connection is still good for another request.
  EXPECT_EQ(Get(Url("/things")).status, 200);
}

TEST_F(StreamedResponseTest, AHeadRequestGetsTheHeadAndNoPieceIsMade) {
  Start(std::chrono::seconds(60), std::chrono::seconds(5));
  RawConnection connection(port());
  connection.Send("HEAD /twelve HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answer = connection.ReceiveUntilClosed();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0U) << answer;
  EXPECT_EQ(answer.find("\r\n\r\n"), answer.size() - 4) << answer;
  EXPECT_EQ(log_.calls.load(), 0);
}

TEST_F(StreamedResponseTest, AProducerThatFailsMidStreamLeavesTheBodyWithoutItsLastChunk) {
  Start(std::chrono::seconds(60), std::chrono::seconds(5));
  RawConnection connection(port());
  connection.Send("GET /broken HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answer = connection.ReceiveUntilClosed();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0U) << answer.substr(0, 200);
  EXPECT_NE(answer.find("Transfer-Encoding: chunked"), std::string::npos) << answer.substr(0, 300);
  EXPECT_GT(answer.size(), 2 * BodyProducer::kPieceBytes);  // both pieces made it
  // The closing "0\r\n\r\n" never came: a client sees an incomplete body, not a short file.
  EXPECT_NE(answer.substr(answer.size() - 5), "0\r\n\r\n");
  EXPECT_TRUE(testing::WaitUntil([&] { return log_.destroyed.load(); }, std::chrono::seconds(10)));
}

TEST_F(StreamedResponseTest, AReaderThatStopsIsDroppedWithinTheIdleTimeoutAndOthersAreServed) {
  Start(std::chrono::seconds(1), std::chrono::seconds(5));
  RawConnection stalled(port());
  stalled.Send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
  // It never reads: the socket buffers fill, the write waits, and no more pieces are made.
  ASSERT_TRUE(testing::WaitUntil([&] { return log_.calls.load() > 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(Get(Url("/things")).status, 200);
  const auto stalled_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(testing::WaitUntil([&] { return log_.destroyed.load(); }, std::chrono::seconds(20)))
      << "the stalled response was never abandoned";
  EXPECT_LT(std::chrono::steady_clock::now() - stalled_at, std::chrono::seconds(10));
  // Backpressure: what was made is what the socket buffers took, not an endless producer's output.
  EXPECT_LT(static_cast<uint64_t>(log_.calls.load()) * BodyProducer::kPieceBytes, uint64_t{64} << 20)
      << log_.calls.load() << " pieces made";
  EXPECT_EQ(log_.max_in_next.load(), 1);
  EXPECT_EQ(Get(Url("/things")).status, 200);
}

TEST_F(StreamedResponseTest, StoppingDuringAStreamFinishesWithinTheGracePeriod) {
  Start(std::chrono::seconds(600), std::chrono::seconds(1));
  RawConnection stalled(port());
  stalled.Send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(testing::WaitUntil([&] { return log_.calls.load() > 0; }, std::chrono::seconds(10)));
  const auto stopping = std::chrono::steady_clock::now();
  server_->RequestStop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(10));
  // The abandoned coroutine, and the producer it owns, go with the server's I/O context.
  server_.reset();
  EXPECT_TRUE(log_.destroyed.load());
}

}  // namespace
}  // namespace migration::http
