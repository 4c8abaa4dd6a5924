#pragma once
// The client's address behind load balancers. A load balancer (AWS's ALB, a Kubernetes ingress)
// connects to the service itself and appends the address it accepted the connection from to
// X-Forwarded-For, so the TCP peer is the balancer and the client is in that header. Only the
// entries the trusted hops appended can be believed: anything to their left was sent by the
// client, who may write what it likes there to dodge a per-address limit.

#include <string>
#include <string_view>
#include <vector>

namespace migration::api::access {

// The client address given the TCP `peer`, every X-Forwarded-For value of the request in order,
// and how many proxies in front of the service append to it (FORWARDED_HOPS): the entry that
// many places from the right. 0 hops, no header, or an entry that is not an IP address: `peer`.
// With fewer entries than hops (a request that skipped a proxy), the leftmost entry.
std::string ClientAddress(std::string_view peer, const std::vector<std::string_view>& forwarded_for, int hops);

}  // namespace migration::api::access
