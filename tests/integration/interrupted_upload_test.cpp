// An upload cut off halfway — by the client going away or by the server being killed — leaves no
// row of that load behind, and the load is recorded as failed (DESIGN §4).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

class InterruptedUploadTest : public ApiTest {
 protected:
  static std::string Departments(int count) {
    std::string csv;
    for (int id = 1; id <= count; ++id) csv += std::to_string(id) + ",Department number " + std::to_string(id) + "\n";
    return csv;
  }

  // Sends the request head announcing the whole body, then only its first half.
  std::unique_ptr<RawConnection> SendHalfAnUpload() {
    const std::string body = Departments(200000);
    auto connection = std::make_unique<RawConnection>(server_->port());
    connection->Send("POST /v1/departments/upload HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    connection->Send(body.substr(0, body.size() / 2));
    return connection;
  }

  // Polls GET /v1/loads until the newest load has `status` (or 20 s pass); returns that load.
  nlohmann::json WaitForNewestLoad(const std::string& status) {
    nlohmann::json newest;
    for (int attempt = 0; attempt < 400; ++attempt) {
      const nlohmann::json loads = Get(Url("/v1/loads")).Json();
      if (!loads["items"].empty()) {
        newest = loads["items"][0];
        if (newest["status"] == status) return newest;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the newest load never reached status " << status << ": " << newest.dump();
    return newest;
  }
};

TEST_P(InterruptedUploadTest, ClientDisconnectHalfwayLeavesNoRowAndAFailedLoad) {
  auto connection = SendHalfAnUpload();
  WaitForNewestLoad("running");
  // Give the server time to write the first half into the load's transaction.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  connection->Close();

  const nlohmann::json load = WaitForNewestLoad("failed");
  EXPECT_EQ(load["rows_inserted"], 0) << load.dump();
  EXPECT_FALSE(load["error"].is_null()) << load.dump();
  EXPECT_EQ(CountRows("departments"), 0);

  // The server is still healthy and the same rows load normally afterwards.
  EXPECT_EQ(UploadCsv("departments", Departments(10)).status, 201);
  EXPECT_EQ(CountRows("departments"), 10);
}

TEST_P(InterruptedUploadTest, ServerKilledHalfwayLeavesNoRowAfterRestartAndTheLoadIsFailed) {
  auto connection = SendHalfAnUpload();
  const nlohmann::json running = WaitForNewestLoad("running");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int status = server_->Stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  connection->Close();

  server_->Restart();
  EXPECT_EQ(CountRows("departments"), 0);
  const HttpResponse load = Get(Url("/v1/loads/" + running["load_id"].dump()));
  ASSERT_EQ(load.status, 200) << load.body;
  EXPECT_EQ(load.Json()["status"], "failed") << load.body;
  EXPECT_EQ(load.Json()["rows_inserted"], 0) << load.body;
}

MIGRATION_ON_BOTH_BACKENDS(InterruptedUploadTest);

}  // namespace
}  // namespace migration::testing
