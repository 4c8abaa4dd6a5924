// Bearer JWTs: tokens minted by a stand-in identity provider (tests/support/jwt_tokens) against
// the verifier, including the classic forgeries (alg "none", HS256 keyed with the RSA public key).

#include "api/access/jwt_verifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/error.hpp"
#include "support/jwt_tokens.hpp"

namespace migration::api::access {
namespace {

using testing::MakeRsaKeyPair;
using testing::MintToken;
using testing::RsaKeyPair;
using testing::TokenClaims;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { keys_ = new RsaKeyPair(MakeRsaKeyPair()); }
  static void TearDownTestSuite() { delete keys_; }

  static JwtVerifier Rs256() {
    return JwtVerifier({JwtAlgorithm::kRs256, keys_->public_pem, "https://issuer.example", "migration-api"});
  }
  static std::string Rs256Token(const TokenClaims& claims = {}) {
    return MintToken("RS256", keys_->private_pem, claims);
  }

  static RsaKeyPair* keys_;
};
RsaKeyPair* JwtVerifierTest::keys_ = nullptr;

TEST_F(JwtVerifierTest, AValidRs256TokenPassesWithItsSubjectAndScope) {
  const JwtResult result = Rs256().Verify(Rs256Token());
  ASSERT_TRUE(result.token) << result.error;
  EXPECT_EQ(result.token->subject, "reporting-job");
  EXPECT_EQ(result.token->scope, TokenScope::kReadWrite);

  TokenClaims read_only;
  read_only.scope = "openid migration:read";
  EXPECT_EQ(Rs256().Verify(Rs256Token(read_only)).token->scope, TokenScope::kReadOnly);
  TokenClaims no_scope;
  no_scope.scope = "";
  EXPECT_EQ(Rs256().Verify(Rs256Token(no_scope)).token->scope, TokenScope::kNone);
}

TEST_F(JwtVerifierTest, AnExpiredTokenIsRefusedBeyondTheLeeway) {
  TokenClaims claims;
  claims.expires_at = Now() - 3600;
  const JwtResult expired = Rs256().Verify(Rs256Token(claims));
  EXPECT_FALSE(expired.token);
  EXPECT_EQ(expired.error, "the token has expired");

  claims.expires_at = Now() - 10;  // within the 60 s clock leeway
  EXPECT_TRUE(Rs256().Verify(Rs256Token(claims)).token);
}

TEST_F(JwtVerifierTest, ATokenNotYetValidIsRefused) {
  TokenClaims claims;
  claims.not_before = Now() + 600;
  EXPECT_EQ(Rs256().Verify(Rs256Token(claims)).error, "the token is not valid yet (nbf)");
}

TEST_F(JwtVerifierTest, WrongAudienceOrIssuerIsRefused) {
  TokenClaims other_audience;
  other_audience.audience = "billing-api";
  EXPECT_EQ(Rs256().Verify(Rs256Token(other_audience)).error, "the token is not meant for this audience");
  TokenClaims other_issuer;
  other_issuer.issuer = "https://evil.example";
  EXPECT_EQ(Rs256().Verify(Rs256Token(other_issuer)).error, "the token was not issued by the configured issuer");
}

TEST_F(JwtVerifierTest, ASignatureByAnotherKeyIsRefused) {
  const RsaKeyPair stranger = MakeRsaKeyPair();
  EXPECT_EQ(Rs256().Verify(MintToken("RS256", stranger.private_pem, {})).error,
            "the token's signature does not verify");
}

TEST_F(JwtVerifierTest, ATamperedPayloadIsRefused) {
  std::string token = Rs256Token();
  const size_t payload = token.find('.') + 1;
  token[payload + 5] = token[payload + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Rs256().Verify(token).token);
}

TEST_F(JwtVerifierTest, TheTokenCannotChooseItsAlgorithm) {
  // HMAC "signed" with the RSA public key: verifies under HS256 if the header were trusted.
  const JwtResult confused = Rs256().Verify(MintToken("HS256", keys_->public_pem, {}));
  EXPECT_FALSE(confused.token);
  EXPECT_EQ(confused.error, "the token is not signed with RS256");
  EXPECT_EQ(Rs256().Verify(MintToken("none", "", {})).error, "the token is not signed with RS256");
}

TEST_F(JwtVerifierTest, Hs256WithASharedSecret) {
  const std::string secret = "a-shared-secret-of-at-least-32-bytes!!";
  const JwtVerifier verifier({JwtAlgorithm::kHs256, secret, "https://issuer.example", "migration-api"});
  EXPECT_TRUE(verifier.Verify(MintToken("HS256", secret, {})).token);
  EXPECT_EQ(verifier.Verify(MintToken("HS256", "another-secret-of-at-least-32-bytes", {})).error,
            "the token's signature does not verify");
  EXPECT_EQ(verifier.Verify(Rs256Token()).error, "the token is not signed with HS256");
}

TEST_F(JwtVerifierTest, GarbageIsRefusedWithoutCrashing) {
  for (const std::string token : {"", "abc", "a.b", "a.b.c", "!!.??.**", "e30.e30.", "eyJhbGciOiJSUzI1NiJ9.e30.e30"}) {
    EXPECT_FALSE(Rs256().Verify(token).token) << token;
  }
}

TEST_F(JwtVerifierTest, IssuerAndAudienceAreRequiredToConfigure) {
  EXPECT_THROW(JwtVerifier({JwtAlgorithm::kRs256, keys_->public_pem, "", "migration-api"}), core::Error);
  EXPECT_THROW(JwtVerifier({JwtAlgorithm::kRs256, keys_->public_pem, "https://issuer.example", ""}), core::Error);
  EXPECT_THROW(JwtVerifier({JwtAlgorithm::kRs256, "", "https://issuer.example", "migration-api"}), core::Error);
}

TEST(JwtShapeTest, OnlyThreeBase64UrlPartsLookLikeAJwt) {
  EXPECT_TRUE(LooksLikeJwt("eyJh.eyJz.c2ln"));
  EXPECT_FALSE(LooksLikeJwt("plain-api-key-0123456789"));
  EXPECT_FALSE(LooksLikeJwt("a.b"));
  EXPECT_FALSE(LooksLikeJwt("a.b.c.d"));
  EXPECT_FALSE(LooksLikeJwt("a+b.c.d"));
}

}  // namespace
}  // namespace migration::api::access
