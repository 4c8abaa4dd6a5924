#include "storage/s3/http_call.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/text.hpp"

namespace migration::storage::s3 {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxIdleHandles = 32;

// Easy handles kept between calls: a handle keeps its connection cache across curl_easy_reset(),
// so an S3 call reuses the TCP/TLS connection of an earlier one instead of a new handshake.
class HandlePool {
 public:
  HandlePool() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  CURL* Acquire() {
    {
      const std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        curl_easy_reset(handle);
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw std::runtime_error("curl_easy_init failed");
    return handle;
  }

  void Release(CURL* handle) {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

HandlePool& Pool() {
  static HandlePool pool;
  return pool;
}

struct HandleLease {
  CURL* handle;
  explicit HandleLease(CURL* h) : handle(h) {}
  ~HandleLease() { Pool().Release(handle); }
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
};

struct SListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// State shared with the libcurl callbacks of one exchange.
struct Exchange {
  CURL* handle = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  size_t body_offset = 0;
  std::exception_ptr sink_error;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view body = exchange->request->body;
  const size_t n = std::min(size * count, body.size() - exchange->body_offset);
  std::memcpy(buffer, body.data() + exchange->body_offset, n);
  exchange->body_offset += n;
  return n;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(exchange->handle, CURLINFO_RESPONSE_CODE, &status);
  const bool success = status >= 200 && status < 300;
  if (success && exchange->request->sink != nullptr) {
    try {
      (*exchange->request->sink)(std::string_view(data, n));
      exchange->response->sink_bytes += n;
    } catch (...) {
      exchange->sink_error = std::current_exception();
      return 0;  // CURLE_WRITE_ERROR: stops the transfer
    }
    return n;
  }
  std::string& body = exchange->response->body;
  if (success) {
    body.append(data, n);
  } else if (body.size() < kMaxErrorBody) {
    body.append(data, std::min(n, kMaxErrorBody - body.size()));
  }
  return n;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    exchange->response->headers.clear();  // a new answer (after "100 Continue")
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string name = core::AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  exchange->response->headers[name] = std::string(value);
  return n;
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse Perform(const HttpRequest& request) {
  HttpResponse response;
  const HandleLease lease(Pool().Acquire());
  CURL* curl = lease.handle;
  Exchange exchange{curl, &request, &response, 0, nullptr};
  std::vector<char> error_buffer(CURL_ERROR_SIZE, '\0');

  std::unique_ptr<curl_slist, SListDeleter> headers;
  for (const std::string& header : request.headers) {
    curl_slist* appended = curl_slist_append(headers.get(), header.c_str());
    if (appended == nullptr) throw std::bad_alloc();
    static_cast<void>(headers.release());
    headers.reset(appended);
  }
  std::unique_ptr<curl_slist, SListDeleter> connect_to;
  if (!request.connect_to.empty()) connect_to.reset(curl_slist_append(nullptr, request.connect_to.c_str()));

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // keys may hold "./" or "//": sent (and signed) as given
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);    // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.total_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.low_speed_seconds);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (connect_to) curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  if (request.signing != nullptr) {
    const std::string sigv4 = "aws:amz:" + request.signing->region + ":" + request.signing->service;
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());  // libcurl copies option strings
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.signing->access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.signing->secret_access_key.c_str());
  }
  if (request.method == "PUT" || request.method == "POST") {
    // Upload mode with a known length (Content-Length, no chunked encoding, no form content type),
    // the method name set over it.
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
    if (request.method == "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = curl_easy_perform(curl);
  // Drop our pointers from the handle before it goes back to the pool.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (exchange.sink_error) std::rethrow_exception(exchange.sink_error);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) {
    response.curl_error = error_buffer[0] != '\0' ? std::string(error_buffer.data()) : curl_easy_strerror(code);
  }
  return response;
}

}  // namespace migration::storage::s3
