#include "storage/s3/bucket_address.hpp"

namespace migration::storage::s3 {
namespace {

// "host:port" without the port when it is the scheme's default: what libcurl and browsers send
// as Host, and so what a signature over the host must use.
std::string HostHeader(std::string_view scheme, std::string_view authority) {
  const size_t at = authority.rfind('@');  // user info is never part of Host
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  const size_t colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');  // "[::1]:9000": the port follows the bracket
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return std::string(authority);
  }
  const std::string_view port = authority.substr(colon + 1);
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443") || port.empty()) {
    return std::string(authority.substr(0, colon));
  }
  return std::string(authority);
}

}  // namespace

std::string BucketAddress::Path(std::string_view key) const {
  return base_path + CanonicalObjectPath(bucket, key, path_style);
}

std::string BucketAddress::Url(std::string_view key, const QueryParams& query) const {
  std::string url = origin + Path(key);
  if (!query.empty()) url += "?" + CanonicalQueryString(query);
  return url;
}

BucketAddress ResolveBucketAddress(std::string_view bucket, std::string_view region, std::string_view endpoint_url) {
  BucketAddress address;
  address.bucket = std::string(bucket);
  if (!endpoint_url.empty()) {
    while (endpoint_url.ends_with('/')) endpoint_url.remove_suffix(1);
    const size_t scheme_end = endpoint_url.find("://");
    const std::string_view scheme =
        scheme_end == std::string_view::npos ? std::string_view() : endpoint_url.substr(0, scheme_end);
    const size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    const size_t path_start = endpoint_url.find('/', authority_start);
    address.origin = std::string(endpoint_url.substr(0, path_start));
    address.host = HostHeader(scheme, endpoint_url.substr(authority_start, path_start - authority_start));
    if (path_start != std::string_view::npos) address.base_path = std::string(endpoint_url.substr(path_start));
    address.path_style = true;
    return address;
  }
  const std::string domain = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  if (bucket.find('.') != std::string_view::npos) {
    address.host = "s3." + std::string(region) + "." + domain;
    address.path_style = true;
  } else {
    address.host = UriEncode(bucket, false) + ".s3." + std::string(region) + "." + domain;
  }
  address.origin = "https://" + address.host;
  return address;
}

}  // namespace migration::storage::s3
