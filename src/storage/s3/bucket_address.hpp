#pragma once
// Where the requests for one bucket go, shared by the S3 client (requests signed in headers) and
// the presigner (signed in the query), so both address an object the same way:
//   - AWS, virtual-hosted: https://bucket.s3.REGION.amazonaws.com/key (.amazonaws.com.cn in cn-*);
//   - AWS, a bucket whose name has dots: path-style, https://s3.REGION.amazonaws.com/bucket/key
//     (TLS wildcard certificates do not cover dotted bucket names);
//   - a configured endpoint (S3-compatible servers): path-style, ENDPOINT/bucket/key.

#include <string>
#include <string_view>

#include "storage/s3/canonical_request.hpp"

namespace migration::storage::s3 {

struct BucketAddress {
  std::string bucket;
  std::string origin;     // "https://bucket.s3.us-east-1.amazonaws.com", "http://127.0.0.1:9000"
  std::string host;       // the Host header, as an HTTP client sends it: no port when it is the scheme's default
  std::string base_path;  // the endpoint URL's own path ("" for AWS and for most endpoints), no trailing '/'
  bool path_style = false;

  // The canonical (encoded) path of `key`: "/key" or "/bucket/key"; for the bucket itself (empty
  // key) "/" virtual-hosted, "/bucket" path-style.
  std::string Path(std::string_view key) const;
  // origin + Path(key), and "?" + the canonical query when there is one.
  std::string Url(std::string_view key, const QueryParams& query) const;
};

// `endpoint_url`: "" for AWS, else "scheme://host[:port][/path]" (trailing slashes ignored).
BucketAddress ResolveBucketAddress(std::string_view bucket, std::string_view region, std::string_view endpoint_url);

}  // namespace migration::storage::s3
