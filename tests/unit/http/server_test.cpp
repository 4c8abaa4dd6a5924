// The server's dispatch over real HTTP on loopback, with routes made here: what a handler author
// relies on (404/405, the body limit before the handler runs, exceptions as problems, a streaming
// consumer fed the whole body in order or aborted when the client goes, request ids, header caps).

#include "http/server.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "support/http_client.hpp"

namespace migration::http {
namespace {

using testing::Get;
using testing::Post;
using testing::RawConnection;
using testing::Request;

// Collects a streamed body; tells the test when it was aborted and why.
struct ConsumerLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::string body;
  std::string abort_reason;
  bool aborted = false;

  bool WaitForAbort() {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(20), [&] { return aborted; });
  }
};

class Collector : public BodyConsumer {
 public:
  explicit Collector(ConsumerLog& log) : log_(log) {}
  void Consume(std::string_view chunk) override {
    const std::lock_guard lock(log_.mutex);
    log_.body.append(chunk);
  }
  Response Finish() override {
    const std::lock_guard lock(log_.mutex);
    return Response::Json(200, "{\"bytes\":" + std::to_string(log_.body.size()) + "}");
  }
  void Abort(const std::string& reason) override {
    const std::lock_guard lock(log_.mutex);
    log_.aborted = true;
    log_.abort_reason = reason;
    log_.changed.notify_all();
  }

 private:
  ConsumerLog& log_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add({"GET", "/things", 0, [](http::Request&) { return Response::Json(200, R"({"ok":true})"); }, nullptr,
                 "GET /things"});
    router_.Add({"POST", "/small", 10,
                 [this](http::Request& request) {
                   ++small_calls_;
                   return Response::Json(200, R"({"bytes":)" + std::to_string(request.body.size()) + "}");
                 },
                 nullptr, "POST /small"});
    router_.Add({"GET", "/conflict", 0,
                 [](http::Request&) -> Response { throw core::Error(core::ErrorCode::kConflict, "already taken"); },
                 nullptr, "GET /conflict"});
    router_.Add({"GET", "/bug", 0,
                 [](http::Request&) -> Response { throw std::runtime_error("secret internal detail"); }, nullptr,
                 "GET /bug"});
    router_.Add({"POST", "/stream", UINT64_MAX, nullptr,
                 [this](http::Request&) { return std::make_unique<Collector>(consumed_); }, "POST /stream"});
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.io_threads = 1;
    options.worker_threads = 2;
    options.max_header_fields = 20;
    server_ = std::make_unique<Server>(options, router_, state_);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->RequestStop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(state_.bound_port.load()) + path;
  }

  Router router_;
  ServerState state_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int small_calls_ = 0;
  ConsumerLog consumed_;
};

TEST_F(ServerTest, NoRouteIs404AndAWrongMethodOnAKnownPathIs405) {
  EXPECT_EQ(Get(Url("/things")).status, 200);
  const auto missing = Get(Url("/nothing"));
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.Json()["detail"], "no route for GET /nothing");
  const auto wrong = Post(Url("/things"), "", "application/json");
  EXPECT_EQ(wrong.status, 405) << wrong.body;
  EXPECT_EQ(wrong.Header("content-type"), "application/problem+json");
}

TEST_F(ServerTest, ABodyOverTheRoutesLimitIs413AndTheHandlerNeverRuns) {
  EXPECT_EQ(Post(Url("/small"), "0123456789", "text/plain").Json()["bytes"], 10);
  const auto over = Post(Url("/small"), "0123456789X", "text/plain");
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_EQ(over.Json()["detail"], "the body is 11 bytes; this route takes at most 10 bytes");
  // Chunked, so no Content-Length announces it: the limit is met while reading.
  const auto chunked = Request("POST", Url("/small"), std::string(100, 'x'), {"Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.status, 413) << chunked.body;
  EXPECT_EQ(small_calls_, 1);
}

TEST_F(ServerTest, AHandlersErrorIsAProblemAndAnUnexpectedOneHidesItsDetail) {
  const auto conflict = Get(Url("/conflict"));
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(conflict.Json()["detail"], "already taken");
  const auto bug = Get(Url("/bug"));
  EXPECT_EQ(bug.status, 500) << bug.body;
  EXPECT_EQ(bug.body.find("secret internal detail"), std::string::npos) << bug.body;
  EXPECT_FALSE(bug.Header("x-request-id").empty());
}

TEST_F(ServerTest, AStreamingConsumerGetsTheWholeBodyInOrderAcrossManyChunks) {
  // 1.5 MiB: several of the server's 256 KiB hand-offs, with a pattern that shows any reordering.
  std::string body;
  for (int i = 0; body.size() < 1536 * 1024; ++i) body += std::to_string(i) + ",";
  const auto response = Post(Url("/stream"), body, "text/csv");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json()["bytes"], body.size());
  const std::lock_guard lock(consumed_.mutex);
  EXPECT_TRUE(consumed_.body == body);
  EXPECT_FALSE(consumed_.aborted);
}

TEST_F(ServerTest, AStreamingConsumerIsAbortedWhenTheClientGoesAwayMidBody) {
  RawConnection connection(state_.bound_port.load());
  connection.Send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
  connection.Close();
  ASSERT_TRUE(consumed_.WaitForAbort()) << "the consumer was never aborted";
  const std::lock_guard lock(consumed_.mutex);
  EXPECT_EQ(consumed_.abort_reason, "the client closed the connection");
}

TEST_F(ServerTest, APlainRequestIdIsKeptAndAnythingElseReplaced) {
  EXPECT_EQ(Request("GET", Url("/things"), "", {"X-Request-Id: trace-42.a_b"}).Header("x-request-id"), "trace-42.a_b");
  const std::string replaced = Request("GET", Url("/things"), "", {"X-Request-Id: not ok!"}).Header("x-request-id");
  EXPECT_TRUE(std::regex_match(replaced, std::regex("[0-9a-f]{32}"))) << replaced;
  const std::string too_long =
      Request("GET", Url("/things"), "", {"X-Request-Id: " + std::string(129, 'a')}).Header("x-request-id");
  EXPECT_TRUE(std::regex_match(too_long, std::regex("[0-9a-f]{32}"))) << too_long;
}

TEST_F(ServerTest, TooManyHeaderFieldsIs431AndTheConnectionCloses) {
  RawConnection connection(state_.bound_port.load());
  std::string head = "GET /things HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 25; ++i) head += "X-Field-" + std::to_string(i) + ": v\r\n";
  connection.Send(head + "\r\n");
  const std::string answer = connection.ReceiveUntilClosed();
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0U) << answer;
}

}  // namespace
}  // namespace migration::http
