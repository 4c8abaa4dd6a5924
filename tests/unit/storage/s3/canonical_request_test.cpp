#include "storage/s3/canonical_request.hpp"

#include <gtest/gtest.h>

namespace migration::storage::s3 {
namespace {

TEST(UriEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(UriEncode("*!'()$,;:@", false), "%2A%21%27%28%29%24%2C%3B%3A%40");
  EXPECT_EQ(UriEncode("%", false), "%25");
}

TEST(UriEncodeTest, EncodesUtf8BytesInUpperCaseHex) {
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");  // U+1234
  EXPECT_EQ(UriEncode("caf\xC3\xA9", false), "caf%C3%A9");
  EXPECT_EQ(UriEncode(std::string("\x00\x7F", 2), false), "%00%7F");
}

TEST(UriEncodeTest, KeepsSlashesOnlyInPaths) {
  EXPECT_EQ(UriEncode("uploads/jobs/a b.csv", true), "uploads/jobs/a%20b.csv");
  EXPECT_EQ(UriEncode("uploads/jobs/a b.csv", false), "uploads%2Fjobs%2Fa%20b.csv");
}

TEST(UriDecodeTest, DecodesWhatUriEncodeWrites) {
  const std::string text = "dir/a b+c%\xE1\x88\xB4~";
  EXPECT_EQ(UriDecode(UriEncode(text, false), false), text);
  EXPECT_EQ(UriDecode(UriEncode(text, true), false), text);
}

TEST(UriDecodeTest, FormDecodingTurnsPlusIntoSpace) {
  EXPECT_EQ(UriDecode("a+b%2Bc", true), "a b+c");
  EXPECT_EQ(UriDecode("a+b%2Bc", false), "a+b+c");
}

TEST(UriDecodeTest, KeepsMalformedEscapes) {
  EXPECT_EQ(UriDecode("100%", false), "100%");
  EXPECT_EQ(UriDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(UriDecode("%41%4a", false), "AJ");
}

TEST(CanonicalQueryStringTest, SortsByNameAndWritesEmptyValuesWithEquals) {
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"uploadId", "X"}, {"partNumber", "1"}}), "partNumber=1&uploadId=X");
  EXPECT_EQ(CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQueryString({}), "");
}

TEST(CanonicalQueryStringTest, SortsByEncodedNameThenValueInByteOrder) {
  // Upper case sorts before lower case; a repeated name sorts by value.
  EXPECT_EQ(CanonicalQueryString({{"b", "2"}, {"B", "1"}, {"a", "z"}, {"a", "y"}}), "B=1&a=y&a=z&b=2");
  // Sorting happens after encoding: "%E1..." sorts before "P" (0x25 < 0x50).
  EXPECT_EQ(CanonicalQueryString({{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xE1\x88\xB4", "Value1"}}),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
}

TEST(CanonicalQueryStringTest, EncodesNamesAndValuesIncludingSlashes) {
  EXPECT_EQ(
      CanonicalQueryString({{"list-type", "2"}, {"prefix", "uploads/jobs 2026/"}, {"continuation-token", "1+/="}}),
      "continuation-token=1%2B%2F%3D&list-type=2&prefix=uploads%2Fjobs%202026%2F");
}

TEST(CanonicalObjectPathTest, PathStyleAndVirtualHosted) {
  EXPECT_EQ(CanonicalObjectPath("bucket", "a/b c.csv", true), "/bucket/a/b%20c.csv");
  EXPECT_EQ(CanonicalObjectPath("bucket", "a/b c.csv", false), "/a/b%20c.csv");
  EXPECT_EQ(CanonicalObjectPath("bucket", "", true), "/bucket");
  EXPECT_EQ(CanonicalObjectPath("bucket", "", false), "/");
  EXPECT_EQ(CanonicalObjectPath("examplebucket", "test$file.text", false), "/test%24file.text");
}

}  // namespace
}  // namespace migration::storage::s3
