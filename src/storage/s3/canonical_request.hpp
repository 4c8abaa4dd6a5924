#pragma once
// The parts of an S3 request that SigV4 signs as written: libcurl 7.88's CURLOPT_AWS_SIGV4 takes
// the path and query of the URL verbatim into the canonical request (it neither sorts nor
// re-encodes them), while S3 rebuilds them canonically from what it received. So the URL we send
// must already be canonical: RFC 3986 percent-encoding (unreserved characters A-Z a-z 0-9 - . _ ~
// kept, everything else %XX in upper case), parameters sorted by encoded name then value, `key=`
// for an empty value, no trailing `&`: libcurl 7.88's SigV4 signs the query exactly as written, and S3 refuses
// `?uploads` or a trailing `&` where it expects `?uploads=`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migration::storage::s3 {

// Percent-encodes every byte but the unreserved ones; '/' is kept when `keep_slash` (object key in
// a path), encoded otherwise (query names and values).
std::string UriEncode(std::string_view text, bool keep_slash);

// Decodes %XX sequences; a malformed one is kept as is. S3 answers listings asked with
// `encoding-type=url` form-encoded (a space as '+', a '+' as %2B): decode those with
// `plus_is_space` (as AWS SDKs do).
std::string UriDecode(std::string_view text, bool plus_is_space);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=&c=x%2Fy": raw names and values in, encoded, sorted by encoded name then value.
std::string CanonicalQueryString(QueryParams params);

// "/bucket/key" (path-style) or "/key" (virtual-hosted): each key segment encoded, slashes kept.
std::string CanonicalObjectPath(std::string_view bucket, std::string_view key, bool path_style);

}  // namespace migration::storage::s3
