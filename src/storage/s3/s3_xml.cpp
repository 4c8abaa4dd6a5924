#include "storage/s3/s3_xml.hpp"

#include <charconv>

#include "core/error.hpp"
#include "storage/s3/canonical_request.hpp"

namespace migration::storage::s3 {
namespace {

constexpr int kMaxDepth = 64;

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Recursive descent over one document; `pos_` only moves forward.
class Parser {
 public:
  explicit Parser(std::string_view xml) : xml_(xml) {}

  std::optional<XmlElement> Document() {
    SkipMisc();
    XmlElement root;
    if (!Element(root, 0)) return std::nullopt;
    SkipMisc();
    if (pos_ != xml_.size()) return std::nullopt;
    return root;
  }

 private:
  bool StartsWith(std::string_view text) const { return xml_.substr(pos_).starts_with(text); }

  void SkipSpace() {
    while (pos_ < xml_.size() &&
           (xml_[pos_] == ' ' || xml_[pos_] == '\t' || xml_[pos_] == '\r' || xml_[pos_] == '\n')) {
      ++pos_;
    }
  }

  // Skips to just after `end`; false when it never comes.
  bool SkipPast(std::string_view end) {
    const size_t found = xml_.find(end, pos_);
    if (found == std::string_view::npos) return false;
    pos_ = found + end.size();
    return true;
  }

  // Whitespace, the XML declaration, processing instructions, comments and a DOCTYPE around the root.
  void SkipMisc() {
    for (;;) {
      SkipSpace();
      if (StartsWith("<?")) {
        if (!SkipPast("?>")) return;
      } else if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return;
      } else if (StartsWith("<!DOCTYPE")) {
        if (!SkipPast(">")) return;
      } else {
        return;
      }
    }
  }

  static bool IsNameChar(char c) {
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' && c != '=' && c != '<';
  }

  std::string_view Name() {
    const size_t start = pos_;
    while (pos_ < xml_.size() && IsNameChar(xml_[pos_])) ++pos_;
    return xml_.substr(start, pos_ - start);
  }

  static std::string LocalName(std::string_view name) {
    const size_t colon = name.find(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  // Skips the attributes of a start tag up to '>' or "/>"; sets `empty` for the latter.
  bool Attributes(bool& empty) {
    while (pos_ < xml_.size()) {
      const char c = xml_[pos_];
      if (c == '>') {
        ++pos_;
        empty = false;
        return true;
      }
      if (c == '/' && StartsWith("/>")) {
        pos_ += 2;
        empty = true;
        return true;
      }
      if (c == '"' || c == '\'') {
        const size_t close = xml_.find(c, pos_ + 1);
        if (close == std::string_view::npos) return false;
        pos_ = close + 1;
        continue;
      }
      if (c == '<') return false;
      ++pos_;
    }
    return false;
  }

  bool Entity(std::string& out) {
    const size_t end = xml_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) return false;
    const std::string_view entity = xml_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t code_point = 0;
      const auto [end_ptr, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code_point, hex ? 16 : 10);
      if (digits.empty() || error != std::errc() || end_ptr != digits.data() + digits.size() || code_point == 0 ||
          code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return false;
      }
      AppendUtf8(out, code_point);
    } else {
      return false;
    }
    return true;
  }

  // At '<' of a start tag: reads the element, its content and its end tag.
  bool Element(XmlElement& element, int depth) {
    if (depth > kMaxDepth || pos_ >= xml_.size() || xml_[pos_] != '<') return false;
    ++pos_;
    const std::string_view name = Name();
    if (name.empty()) return false;
    element.name = LocalName(name);
    bool empty = false;
    if (!Attributes(empty)) return false;
    if (empty) return true;
    while (pos_ < xml_.size()) {
      const char c = xml_[pos_];
      if (c == '&') {
        if (!Entity(element.text)) return false;
      } else if (c != '<') {
        element.text.push_back(c);
        ++pos_;
      } else if (StartsWith("</")) {
        pos_ += 2;
        if (Name() != name) return false;
        SkipSpace();
        if (pos_ >= xml_.size() || xml_[pos_] != '>') return false;
        ++pos_;
        return true;
      } else if (StartsWith("<![CDATA[")) {
        const size_t start = pos_ + 9;
        if (!SkipPast("]]>")) return false;
        element.text.append(xml_.substr(start, pos_ - 3 - start));
      } else if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return false;
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return false;
      } else {
        XmlElement child;
        if (!Element(child, depth + 1)) return false;
        element.children.push_back(std::move(child));
      }
    }
    return false;
  }

  std::string_view xml_;
  size_t pos_ = 0;
};

[[noreturn]] void Malformed(std::string_view what) {
  throw core::Error(core::ErrorCode::kInternal, "S3 answered a malformed " + std::string(what) + " document");
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child == nullptr ? std::string() : child->text;
}

std::optional<XmlElement> ParseXml(std::string_view xml) { return Parser(xml).Document(); }

ListObjectsPage ParseListObjectsV2(std::string_view xml, bool url_encoded) {
  const std::optional<XmlElement> root = ParseXml(xml);
  if (!root || root->name != "ListBucketResult") Malformed("ListObjectsV2");
  ListObjectsPage page;
  page.truncated = root->ChildText("IsTruncated") == "true";
  page.next_continuation_token = root->ChildText("NextContinuationToken");
  for (const XmlElement& child : root->children) {
    if (child.name != "Contents") continue;
    ListedObject object;
    object.key = child.ChildText("Key");
    if (url_encoded) object.key = UriDecode(object.key, true);
    const std::string size = child.ChildText("Size");
    const auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), object.size);
    if (object.key.empty() || size.empty() || error != std::errc() || end != size.data() + size.size()) {
      Malformed("ListObjectsV2");
    }
    object.last_modified = child.ChildText("LastModified");
    page.objects.push_back(std::move(object));
  }
  if (page.truncated && page.next_continuation_token.empty()) Malformed("ListObjectsV2 (truncated without a token)");
  return page;
}

std::string ParseUploadId(std::string_view xml) {
  const std::optional<XmlElement> root = ParseXml(xml);
  if (!root || root->name != "InitiateMultipartUploadResult") Malformed("InitiateMultipartUpload");
  std::string upload_id = root->ChildText("UploadId");
  if (upload_id.empty()) Malformed("InitiateMultipartUpload");
  return upload_id;
}

std::optional<S3ErrorInfo> ParseError(std::string_view xml) {
  const std::optional<XmlElement> root = ParseXml(xml);
  if (!root || root->name != "Error") return std::nullopt;
  return S3ErrorInfo{root->ChildText("Code"), root->ChildText("Message")};
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string CompleteMultipartUploadXml(const std::vector<std::string>& etags) {
  std::string xml = R"(<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml +=
        "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

}  // namespace migration::storage::s3
