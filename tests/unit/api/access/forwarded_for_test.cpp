// The client address behind proxies (src/api/access/forwarded_for.hpp): only what the trusted
// hops appended to X-Forwarded-For is believed.

#include "api/access/forwarded_for.hpp"

#include <gtest/gtest.h>

namespace migration::api::access {
namespace {

TEST(ForwardedForTest, WithoutTrustedHopsThePeerIsTheClientWhateverTheHeaderSays) {
  EXPECT_EQ(ClientAddress("10.0.1.7", {"203.0.113.9"}, 0), "10.0.1.7");
  EXPECT_EQ(ClientAddress("10.0.1.7", {}, 0), "10.0.1.7");
}

TEST(ForwardedForTest, BehindOneBalancerTheClientIsTheEntryItAppended) {
  // An ALB appends the address it accepted the connection from.
  EXPECT_EQ(ClientAddress("10.0.1.7", {"203.0.113.9"}, 1), "203.0.113.9");
  // What the client wrote itself is to the left, and ignored: it cannot pick its own address.
  EXPECT_EQ(ClientAddress("10.0.1.7", {"1.2.3.4, 5.6.7.8,203.0.113.9"}, 1), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.1.7", {"1.2.3.4", "203.0.113.9"}, 1), "203.0.113.9") << "one header line each";
  EXPECT_EQ(ClientAddress("10.0.1.7", {"2001:db8::1"}, 1), "2001:db8::1");
  // No header (the balancer's own health checks): the peer.
  EXPECT_EQ(ClientAddress("10.0.1.7", {}, 1), "10.0.1.7");
  EXPECT_EQ(ClientAddress("10.0.1.7", {" , "}, 1), "10.0.1.7");
}

TEST(ForwardedForTest, BehindTwoProxiesTheClientIsTheSecondEntryFromTheRight) {
  EXPECT_EQ(ClientAddress("10.0.1.7", {"6.6.6.6, 203.0.113.9, 10.0.0.5"}, 2), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.1.7", {"6.6.6.6, 203.0.113.9", "10.0.0.5"}, 2), "203.0.113.9");
  // A request that came through one proxy only: the leftmost entry there is.
  EXPECT_EQ(ClientAddress("10.0.1.7", {"203.0.113.9"}, 2), "203.0.113.9");
}

TEST(ForwardedForTest, AnEntryThatIsNotAnAddressIsNotBelieved) {
  for (const char* entry : {"unknown", "203.0.113.9:443", "evil.example", "<script>", "1.2.3.4 5.6.7.8",
                            "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb"}) {
    EXPECT_EQ(ClientAddress("10.0.1.7", {entry}, 1), "10.0.1.7") << entry;
  }
}

}  // namespace
}  // namespace migration::api::access
