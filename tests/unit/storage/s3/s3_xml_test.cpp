#include "storage/s3/s3_xml.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace migration::storage::s3 {
namespace {

TEST(ParseXmlTest, ReadsElementsTextEntitiesAndCdata) {
  const auto root = ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->"
      "<a xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\" k='v>'>"
      "<b>x &amp; y &lt;&gt;&quot;&apos; &#65;&#x42;&#x1234;</b><c/><ns:d><![CDATA[<raw>&amp;]]></ns:d></a>\n");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "a");
  ASSERT_EQ(root->children.size(), 3U);
  EXPECT_EQ(root->ChildText("b"), "x & y <>\"' AB\xE1\x88\xB4");
  ASSERT_NE(root->Child("c"), nullptr);
  EXPECT_EQ(root->ChildText("c"), "");
  EXPECT_EQ(root->ChildText("d"), "<raw>&amp;");
  EXPECT_EQ(root->Child("missing"), nullptr);
}

TEST(ParseXmlTest, RefusesMalformedDocuments) {
  for (const std::string xml :
       {"", "text", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>",
        "<a>&#x110000;</a>", "<a>&amp</a>", "<a></a><b></b>", "<a", "<a x=\"1></a>", "<a><![CDATA[x</a>", "<>x</>"}) {
    EXPECT_FALSE(ParseXml(xml)) << xml;
  }
}

TEST(ParseXmlTest, RefusesVeryDeepNesting) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep));
  std::string shallow;
  for (int i = 0; i < 30; ++i) shallow += "<a>";
  for (int i = 0; i < 30; ++i) shallow += "</a>";
  EXPECT_TRUE(ParseXml(shallow));
}

constexpr char kListPage[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>uploads%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
  <Contents><Key>uploads/a+b%2Bc.csv</Key><LastModified>2026-11-27T02:00:00.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>uploads/%E1%88%B4</Key><LastModified>2026-11-27T02:00:01.500Z</LastModified><Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";

TEST(ParseListObjectsV2Test, ReadsKeysSizesTimesAndTheNextToken) {
  const ListObjectsPage page = ParseListObjectsV2(kListPage, true);
  ASSERT_EQ(page.objects.size(), 2U);
  EXPECT_EQ(page.objects[0].key, "uploads/a b+c.csv");
  EXPECT_EQ(page.objects[0].size, 1234U);
  EXPECT_EQ(page.objects[0].last_modified, "2026-11-27T02:00:00.000Z");
  EXPECT_EQ(page.objects[1].key, "uploads/\xE1\x88\xB4");
  EXPECT_EQ(page.objects[1].size, 0U);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  // Without encoding-type=url the keys are taken as written.
  EXPECT_EQ(ParseListObjectsV2(kListPage, false).objects[0].key, "uploads/a+b%2Bc.csv");
}

TEST(ParseListObjectsV2Test, AnEmptyLastPage) {
  const ListObjectsPage page = ParseListObjectsV2(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
      true);
  EXPECT_TRUE(page.objects.empty());
  EXPECT_FALSE(page.truncated);
}

TEST(ParseListObjectsV2Test, RefusesWhatIsNotAListing) {
  for (const std::string xml :
       {"<Error><Code>AccessDenied</Code></Error>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>12x</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "not xml"}) {
    EXPECT_THROW(ParseListObjectsV2(xml, true), core::Error) << xml;
  }
}

TEST(ParseUploadIdTest, ReadsTheUploadId) {
  EXPECT_EQ(ParseUploadId("<?xml version=\"1.0\"?><InitiateMultipartUploadResult xmlns=\"x\"><Bucket>b</Bucket>"
                          "<Key>k</Key><UploadId>VXBsb2FkIElE&amp;x</UploadId></InitiateMultipartUploadResult>"),
            "VXBsb2FkIElE&x");
  EXPECT_THROW(ParseUploadId("<InitiateMultipartUploadResult><Key>k</Key></InitiateMultipartUploadResult>"),
               core::Error);
  EXPECT_THROW(ParseUploadId("<Error><Code>AccessDenied</Code></Error>"), core::Error);
}

TEST(ParseErrorTest, ReadsCodeAndMessage) {
  const auto error = ParseError(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match</Message><AWSAccessKeyId>AKIA</AWSAccessKeyId></Error>");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "SignatureDoesNotMatch");
  EXPECT_EQ(error->message, "The request signature we calculated does not match");
  EXPECT_FALSE(ParseError("<ListBucketResult/>"));
  EXPECT_FALSE(ParseError(""));
}

TEST(CompleteMultipartUploadXmlTest, NumbersPartsFromOneAndEscapesETags) {
  const std::string xml = CompleteMultipartUploadXml({"\"etag1\"", "\"etag2\""});
  EXPECT_EQ(xml,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;etag1&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;etag2&quot;</ETag></Part></CompleteMultipartUpload>");
  // Our own parser reads it back.
  const auto root = ParseXml(xml);
  ASSERT_TRUE(root);
  ASSERT_EQ(root->children.size(), 2U);
  EXPECT_EQ(root->children[1].ChildText("ETag"), "\"etag2\"");
}

}  // namespace
}  // namespace migration::storage::s3
