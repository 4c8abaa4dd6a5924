#pragma once
// The few S3 XML documents the client reads and writes: ListObjectsV2 results,
// InitiateMultipartUpload results, <Error> answers, and the CompleteMultipartUpload request.
// A small parser of our own (elements, text, entities, CDATA; namespaces and attributes ignored)
// rather than a new library: S3's answers are plain, machine-written documents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migration::storage::s3 {

struct XmlElement {
  std::string name;  // local name (a "prefix:" is dropped)
  std::string text;  // the element's own character data, entities decoded
  std::vector<XmlElement> children;

  const XmlElement* Child(std::string_view child_name) const;
  std::string ChildText(std::string_view child_name) const;  // "" when absent
};

// The document's root element, or nullopt when the text is not well-formed enough to read (unclosed
// or mismatched tags, bad entities, nesting deeper than 64).
std::optional<XmlElement> ParseXml(std::string_view xml);

struct ListedObject {
  std::string key;  // full key in the bucket, decoded
  uint64_t size = 0;
  std::string last_modified;  // as S3 wrote it ("2026-11-27T02:00:00.000Z")
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_continuation_token;
};

// A ListObjectsV2 answer. `url_encoded`: asked with encoding-type=url (keys come form-encoded).
// Throws core::Error(kInternal) when the answer is not a ListBucketResult.
ListObjectsPage ParseListObjectsV2(std::string_view xml, bool url_encoded);

// The UploadId of an InitiateMultipartUploadResult; throws core::Error(kInternal) when absent.
std::string ParseUploadId(std::string_view xml);

struct S3ErrorInfo {
  std::string code;     // "NoSuchKey", "SignatureDoesNotMatch", "SlowDown", ...
  std::string message;  // S3's sentence
};

// The Code and Message of an <Error> document, or nullopt when `xml` is not one.
std::optional<S3ErrorInfo> ParseError(std::string_view xml);

// <CompleteMultipartUpload> with one <Part> per ETag, part numbers from 1.
std::string CompleteMultipartUploadXml(const std::vector<std::string>& etags);

// Escapes & < > " ' for XML character data.
std::string XmlEscape(std::string_view text);

}  // namespace migration::storage::s3
