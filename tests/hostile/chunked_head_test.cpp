// Chunked bodies whose framing never ends: Boost 1.74's parser does not limit the chunk-size line,
// chunk extensions or trailers, so the server must bound what its read buffer holds for them. Each
// flood is cut off with a 400 after a bounded number of bytes, with no authentication needed to
// send it, the server's peak memory barely moves, and it goes on serving.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <fstream>
#include <string>

#include "support/api_fixture.hpp"
#include "support/upload_spool_probe.hpp"

namespace migration::testing {
namespace {

constexpr size_t kFloodBytes = 64u << 20;
constexpr size_t kPiece = 256u << 10;

// Peak resident memory of a process (VmHWM), in bytes.
uint64_t PeakRss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

struct FloodResult {
  size_t accepted = 0;  // bytes the connection took before the server closed it
  std::string answer;   // what the server said, when it could be read before the reset
};

// Sends `head`, then `filler` over and over up to kFloodBytes, reading whatever the server answers
// between pieces; stops when the server closes the connection.
FloodResult Flood(int port, const std::string& head, char filler) {
  RawConnection connection(port);
  FloodResult result;
  connection.Send(head);
  const std::string piece(kPiece, filler);
  try {
    while (result.accepted < kFloodBytes) {
      connection.Send(piece);
      result.accepted += piece.size();
    }
  } catch (const std::exception&) {
    // The server closed the connection: the point of the test.
  }
  result.answer = connection.ReceiveUntilClosed();
  return result;
}

class ChunkedHeadTest : public ApiTest {
 protected:
  // The flood was cut off early, answered 400 (seen on the wire or in the access log), cost little
  // memory, and the server still answers.
  void ExpectRefused(const FloodResult& flood, uint64_t peak_before, const std::string& what) {
    EXPECT_LT(flood.accepted, 16u << 20) << what << ": the server kept reading the flood";
    if (!flood.answer.empty()) {
      EXPECT_EQ(flood.answer.rfind("HTTP/1.1 400", 0), 0u) << what << ": " << flood.answer.substr(0, 600);
    }
    EXPECT_NE(server_->Log().find("\"status\":400"), std::string::npos) << what << ": no 400 in the access log";
    const uint64_t peak_after = PeakRss(server_->pid());
    std::cout << "[ peak rss ] " << what << ": " << (peak_before >> 20) << " MiB -> " << (peak_after >> 20)
              << " MiB after " << (flood.accepted >> 20) << " MiB accepted\n";
    EXPECT_LT(peak_after, peak_before + (24u << 20)) << what << ": peak memory grew with the flood";
    EXPECT_EQ(Get(Url("/healthz")).status, 200);
  }
};

TEST_P(ChunkedHeadTest, AnEndlessChunkExtensionIsCutOffWithA400) {
  const uint64_t peak = PeakRss(server_->pid());
  const FloodResult flood =
      Flood(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'a');
  ExpectRefused(flood, peak, "chunk extension");
}

TEST_P(ChunkedHeadTest, AnEndlessChunkSizeLineIsCutOffWithA400) {
  const uint64_t peak = PeakRss(server_->pid());
  const FloodResult flood = Flood(server_->port(),
                                  "POST /v1/departments HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                  "application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                                  '0');
  ExpectRefused(flood, peak, "chunk-size line");
}

TEST_P(ChunkedHeadTest, AnEndlessTrailerIsCutOffWithA400) {
  const uint64_t peak = PeakRss(server_->pid());
  const FloodResult flood = Flood(server_->port(),
                                  "POST /v1/departments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\nX-Trailer: ",
                                  'b');
  ExpectRefused(flood, peak, "trailer");
}

// On the streaming upload route the upload is abandoned: nothing loaded, no spool left.
TEST_P(ChunkedHeadTest, AnEndlessChunkExtensionInAnUploadLoadsNothing) {
  const uint64_t peak = PeakRss(server_->pid());
  const FloodResult flood = Flood(server_->port(),
                                  "POST /v1/departments/upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\nb\r\n1,Research\n\r\n1;",
                                  'c');
  ExpectRefused(flood, peak, "upload chunk extension");
  EXPECT_TRUE(WaitForNoSpool(server_->pid(), std::chrono::seconds(5)));
  EXPECT_EQ(CountRows("departments"), 0);
}

// Under the bound, chunk extensions and trailers are legal HTTP and are served.
TEST_P(ChunkedHeadTest, ChunkExtensionsAndTrailersUnderTheBoundAreServed) {
  const std::string rows = R"([{"id": 1, "department": "Sales"}])";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", rows.size());
  RawConnection connection(server_->port());
  connection.Send(
      "POST /v1/departments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      std::string(size) + ";note=" + std::string(30000, 'e') + "\r\n" + rows +
      "\r\n0\r\nX-Note: " + std::string(30000, 't') + "\r\n\r\n");
  const std::string answer = connection.ReceiveUntilClosed();
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer.substr(0, 600);
  EXPECT_EQ(CountRows("departments"), 1);
}

MIGRATION_ON_BOTH_BACKENDS(ChunkedHeadTest);

}  // namespace
}  // namespace migration::testing
