#pragma once
// A small blocking HTTP client for the end-to-end tests (libcurl), plus a raw TCP connection for
// the cases curl cannot express (an upload that stops halfway).

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace migration::testing {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  nlohmann::json Json() const;  // fails the test with the body if it is not JSON
  std::string Header(const std::string& name) const;
};

HttpResponse Request(const std::string& method, const std::string& url, const std::string& body = "",
                     const std::vector<std::string>& headers = {});
HttpResponse Get(const std::string& url);
HttpResponse Post(const std::string& url, const std::string& body, const std::string& content_type);
// multipart/form-data with the file streamed from disk by curl (field "file").
HttpResponse PostFile(const std::string& url, const std::string& path, const std::string& field = "file");

// A plain TCP connection to 127.0.0.1:port.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(const std::string& bytes);
  // Reads until the server closes the connection (or 30 s pass); returns everything received.
  std::string ReceiveUntilClosed();
  // Reads one whole response (head, then a body of its Content-Length), leaving the connection
  // open; throws if the server closes it first or 30 s pass.
  std::string ReceiveResponse();
  void Close();  // abortive close (RST), like a client that dies

 private:
  int fd_ = -1;
};

}  // namespace migration::testing
