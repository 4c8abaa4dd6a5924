#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for the storage tests: it records every request (method,
// target, headers, body) and answers each with what the test's handler returns. It stands in for
// S3 (to see what our client sends and to answer errors S3 would), for the ECS credentials
// endpoint and for EC2 instance metadata. One connection at a time, "Connection: close" on every
// answer; "Expect: 100-continue" is honoured. Header-only: the unit and integration test binaries
// both include it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace migration::testing {

struct FakeRequest {
  std::string method;
  std::string target;                          // path and query as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Path() const { return target.substr(0, target.find('?')); }
  std::string Query() const {
    const size_t q = target.find('?');
    return q == std::string::npos ? std::string() : target.substr(q + 1);
  }
};

struct FakeReply {
  int status = 200;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler = {}) : handler_(std::move(handler)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0) {
      ::close(listener_);
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void SetHandler(Handler handler) {
    const std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }
  std::vector<FakeRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  void ClearRequests() {
    const std::lock_guard lock(mutex_);
    requests_.clear();
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd entry{listener_, POLLIN, 0};
      if (::poll(&entry, 1, 20) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      HandleConnection(fd);
      ::close(fd);
    }
  }

  // Reads until `buffer` holds `size` bytes; false when the peer closes first or goes quiet 5 s.
  static bool ReadAtLeast(int fd, std::string& buffer, size_t size) {
    char chunk[65536];
    while (buffer.size() < size) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 5000) <= 0) return false;
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  static void WriteAll(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  void HandleConnection(int fd) {
    std::string buffer;
    size_t header_end = std::string::npos;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadAtLeast(fd, buffer, buffer.size() + 1)) return;
    }
    FakeRequest request;
    const std::string head = buffer.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t space1 = request_line.find(' ');
    const size_t space2 = request_line.find(' ', space1 + 1);
    request.method = request_line.substr(0, space1);
    request.target = request_line.substr(space1 + 1, space2 - space1 - 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      request.headers[name] = value;
    }
    const size_t length =
        request.headers.contains("content-length") ? std::stoul(request.headers["content-length"]) : 0;
    buffer.erase(0, header_end + 4);
    if (length > buffer.size() && request.Header("expect") == "100-continue") {
      WriteAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (!ReadAtLeast(fd, buffer, length)) return;
    request.body = buffer.substr(0, length);

    Handler handler;
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
      handler = handler_;
    }
    const FakeReply reply = handler ? handler(request) : FakeReply{};
    std::string answer = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\n";
    for (const std::string& header : reply.headers) answer += header + "\r\n";
    if (request.method != "HEAD" || std::none_of(reply.headers.begin(), reply.headers.end(), [](const std::string& h) {
          return h.rfind("Content-Length:", 0) == 0;
        })) {
      answer += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    }
    answer += "Connection: close\r\n\r\n";
    if (request.method != "HEAD") answer += reply.body;
    WriteAll(fd, answer);
  }

  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace migration::testing
