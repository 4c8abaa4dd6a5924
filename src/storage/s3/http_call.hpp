#pragma once
// One blocking HTTP exchange through libcurl, optionally signed with AWS SigV4 by libcurl itself
// (CURLOPT_AWS_SIGV4: no signing code of ours). Used by the S3 client and by the credential
// providers (ECS task-role endpoint, EC2 instance metadata). Thread-safe: each call takes an easy
// handle from a small shared pool, so connections are kept alive and reused across calls.
//
// Signing, as libcurl 7.88 does it (CURLOPT_AWS_SIGV4): every header in `headers` is signed, plus Host
// and X-Amz-Date (taken from an X-Amz-Date header when the request has one, else the clock); the
// URL's path and query are signed exactly as written, so they must be canonical already
// (canonical_request.hpp). Never pass a header-removal entry ("Expect:"): 7.88 signs it too.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace migration::storage::s3 {

struct SigningKey {
  std::string region;
  std::string service = "s3";
  std::string access_key_id;
  std::string secret_access_key;  // the session token, if any, goes in `headers` (x-amz-security-token)
};

struct HttpRequest {
  std::string method = "GET";           // GET, HEAD, PUT, POST, DELETE
  std::string url;                      // scheme://host[:port]/path?query, path and query already encoded
  std::vector<std::string> headers;     // "Name: value"
  std::string_view body;                // PUT and POST: sent with a Content-Length; must outlive Perform()
  const SigningKey* signing = nullptr;  // null: unsigned (credential endpoints)
  // When set, a 2xx answer's body streams here as it arrives instead of into HttpResponse::body.
  // An exception it throws stops the transfer and leaves Perform().
  const std::function<void(std::string_view)>* sink = nullptr;
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 0;    // whole exchange; 0: none (large objects take their time)
  long low_speed_seconds = 30;  // abort when under 1 byte/s this long: a peer that went silent
  std::string connect_to;       // tests only: CURLOPT_CONNECT_TO entry "HOST:PORT:CONNECT-HOST:CONNECT-PORT"
};

struct HttpResponse {
  int curl_code = 0;                           // CURLcode; non-zero: no complete answer (connection, timeout, ...)
  std::string curl_error;                      // libcurl's message when curl_code != 0
  long status = 0;                             // HTTP status of the final answer
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // non-2xx answers (first 64 KiB), or 2xx without a sink
  uint64_t sink_bytes = 0;                     // bytes handed to the sink

  bool ok() const { return curl_code == 0 && status >= 200 && status < 300; }
  std::string Header(const std::string& lower_name) const;
};

HttpResponse Perform(const HttpRequest& request);

}  // namespace migration::storage::s3
