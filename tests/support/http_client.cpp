#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace migration::testing {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* out) {
  std::string line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * count;
}

// Runs a configured easy handle; throws when the transfer itself fails (no HTTP status).
HttpResponse Perform(CURL* curl, const std::string& url, curl_slist* headers) {
  static CurlGlobal global;
  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) throw std::runtime_error(std::string("HTTP transfer failed: ") + curl_easy_strerror(code));
  return response;
}

}  // namespace

nlohmann::json HttpResponse::Json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("response is not JSON (status " + std::to_string(status) + "): " + body);
  }
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse Request(const std::string& method, const std::string& url, const std::string& body,
                     const std::vector<std::string>& headers) {
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  // curl would otherwise wait a second for "100 Continue" on large bodies.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  return Perform(curl, url, list);
}

HttpResponse Get(const std::string& url) { return Request("GET", url); }

HttpResponse Post(const std::string& url, const std::string& body, const std::string& content_type) {
  return Request("POST", url, body, {"Content-Type: " + content_type});
}

HttpResponse PostFile(const std::string& url, const std::string& path, const std::string& field) {
  CURL* curl = curl_easy_init();
  curl_mime* mime = curl_mime_init(curl);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, field.c_str());
  curl_mime_filedata(part, path.c_str());
  curl_mime_type(part, "text/csv");
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  HttpResponse response;
  try {
    response = Perform(curl, url, list);
  } catch (...) {
    curl_mime_free(mime);
    throw;
  }
  curl_mime_free(mime);
  return response;
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<size_t>(n);
  }
}

std::string RawConnection::ReceiveUntilClosed() {
  timeval timeout{30, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string received;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) received.append(buffer, static_cast<size_t>(n));
  return received;
}

std::string RawConnection::ReceiveResponse() {
  timeval timeout{30, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string received;
  char buffer[4096];
  for (;;) {
    const size_t head_end = received.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::string head = received.substr(0, head_end);
      std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
      const size_t length_at = head.find("\r\ncontent-length:");
      const size_t length = length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 17));
      if (received.size() >= head_end + 4 + length) return received;
    }
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) throw std::runtime_error("the connection closed before a whole response arrived: " + received);
    received.append(buffer, static_cast<size_t>(n));
  }
}

void RawConnection::Close() {
  if (fd_ < 0) return;
  linger abort_close{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace migration::testing
