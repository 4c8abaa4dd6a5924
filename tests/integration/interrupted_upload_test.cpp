// An upload cut off halfway — by the client going away or by the server being killed — leaves no
// row of that load behind, and the load is recorded as failed (DESIGN §4). The body is spooled to
// disk until it is complete (its load starts only then), so "halfway" is measured in spooled bytes.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>

#include "support/api_fixture.hpp"
#include "support/upload_spool_probe.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

class InterruptedUploadTest : public ApiTest {
 protected:
  static std::string Departments(int count) {
    std::string csv;
    for (int id = 1; id <= count; ++id) csv += std::to_string(id) + ",Department number " + std::to_string(id) + "\n";
    return csv;
  }

  // Sends the request head announcing the whole body, then only its first half, and waits until
  // the server holds that half.
  std::unique_ptr<RawConnection> SendHalfAnUpload() {
    const std::string body = Departments(200000);
    auto connection = std::make_unique<RawConnection>(server_->port());
    connection->Send(
        "POST /v1/departments/upload HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    connection->Send(body.substr(0, body.size() / 2));
    EXPECT_TRUE(WaitForSpooledBytes(server_->pid(), body.size() / 2, std::chrono::seconds(20)))
        << "the server never took in the first half";
    return connection;
  }

  // Polls GET /v1/loads until the newest load has `status` (or 20 s pass); returns that load.
  nlohmann::json WaitForNewestLoad(const std::string& status) {
    nlohmann::json newest;
    const bool reached = WaitUntil(
        [&] {
          const nlohmann::json loads = Get(Url("/v1/loads")).Json();
          if (loads["items"].empty()) return false;
          newest = loads["items"][0];
          return newest["status"] == status;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(50));
    if (!reached) ADD_FAILURE() << "the newest load never reached status " << status << ": " << newest.dump();
    return newest;
  }
};

TEST_P(InterruptedUploadTest, ClientDisconnectHalfwayLeavesNoRowAndAFailedLoad) {
  auto connection = SendHalfAnUpload();
  connection->Close();

  const nlohmann::json load = WaitForNewestLoad("failed");
  EXPECT_EQ(load["rows_inserted"], 0) << load.dump();
  EXPECT_FALSE(load["error"].is_null()) << load.dump();
  EXPECT_EQ(CountRows("departments"), 0);
  EXPECT_TRUE(WaitForNoSpool(server_->pid(), std::chrono::seconds(5))) << "the spool outlived its upload";

  // The server is still healthy and the same rows load normally afterwards.
  EXPECT_EQ(UploadCsv("departments", Departments(10)).status, 201);
  EXPECT_EQ(CountRows("departments"), 10);
}

// Killed while the body arrives (its load has not begun): nothing of it anywhere after a restart,
// and no load left running. The spool was unlinked when it was created, so the kill leaves no file.
TEST_P(InterruptedUploadTest, ServerKilledHalfwayLeavesNoRowAfterRestartAndNoRunningLoad) {
  auto connection = SendHalfAnUpload();
  const int status = server_->Stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  connection->Close();

  server_->Restart();
  EXPECT_EQ(CountRows("departments"), 0);
  EXPECT_EQ(CountRows("loads WHERE status = 'running'"), 0);
  EXPECT_EQ(UploadCsv("departments", Departments(10)).status, 201);
}

MIGRATION_ON_BOTH_BACKENDS(InterruptedUploadTest);

}  // namespace
}  // namespace migration::testing
