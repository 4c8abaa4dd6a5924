// Tests of the streaming multipart/form-data reader (src/http/body/multipart_reader.hpp).
//
// Every body goes through Read(), which reads it whole and again in chunks of every size from one
// byte up (plus empty chunks in between), and fails unless all of them give the same parts, the
// same content and the same error with the same byte offset: correctness under any chunking is
// part of the contract, so no test can skip it. A randomized round trip at the end checks the
// reader against a tiny encoder with content made of the bytes that matter (CR, LF, '-', pieces
// of the boundary).

#include "http/body/multipart_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace migration::http {
namespace {

constexpr std::string_view kBoundary = "b0undary";

// One part as the callbacks delivered it, its content pieces joined.
struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string content;
  bool ended = false;  // OnPartEnd was called

  bool operator==(const Part&) const = default;
};

struct Outcome {
  std::vector<Part> parts;
  std::optional<std::string> error;  // detail of the core::Error thrown by Feed or Finish
  uint64_t bytes_consumed = 0;       // after Finish, when it succeeded

  bool operator==(const Outcome&) const = default;
};

std::string Escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

void PrintTo(const Part& part, std::ostream* os) {
  *os << "{name \"" << Escape(part.name) << "\" filename "
      << (part.filename ? '"' + Escape(*part.filename) + '"' : std::string("none")) << " type \""
      << Escape(part.content_type) << "\" content \"" << Escape(part.content) << '"'
      << (part.ended ? "" : " (not ended)") << "}";
}

void PrintTo(const Outcome& outcome, std::ostream* os) {
  *os << "{parts [";
  for (size_t i = 0; i < outcome.parts.size(); ++i) {
    *os << (i ? ", " : "");
    PrintTo(outcome.parts[i], os);
  }
  *os << "] error " << (outcome.error ? '"' + *outcome.error + '"' : std::string("none")) << " consumed "
      << outcome.bytes_consumed << "}";
}

// Feeds `body` in chunks of `chunk_size` bytes (the last one shorter), with an empty chunk before
// each one when `empty_chunks`, then finishes; checks the order of the callbacks on the way.
Outcome ReadInChunks(std::string_view body, std::string_view boundary, size_t chunk_size, bool empty_chunks = false) {
  Outcome outcome;
  bool in_part = false;
  MultipartReader reader(
      std::string(boundary),
      MultipartReader::Callbacks{[&](const PartHeaders& headers) {
                                   EXPECT_FALSE(in_part) << "a part began before the previous one ended";
                                   in_part = true;
                                   outcome.parts.push_back(Part{headers.name, headers.filename, headers.content_type});
                                 },
                                 [&](std::string_view data) {
                                   ASSERT_TRUE(in_part) << "content outside a part: \"" << Escape(data) << '"';
                                   outcome.parts.back().content.append(data);
                                 },
                                 [&] {
                                   ASSERT_TRUE(in_part) << "a part ended that had not begun";
                                   in_part = false;
                                   outcome.parts.back().ended = true;
                                 }});
  try {
    for (size_t at = 0; at < body.size(); at += chunk_size) {
      if (empty_chunks) reader.Feed({});
      reader.Feed(body.substr(at, chunk_size));
    }
    reader.Finish();
    outcome.bytes_consumed = reader.bytes_consumed();
    EXPECT_FALSE(in_part) << "Finish succeeded inside a part";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest) << error.detail();
    outcome.error = error.detail();
  }
  return outcome;
}

// Reads `body` whole and in chunks of every size (of a spread of sizes, for long bodies); all
// readings must agree. Returns the whole reading.
Outcome Read(std::string_view body, std::string_view boundary = kBoundary) {
  const Outcome whole = ReadInChunks(body, boundary, std::max<size_t>(body.size(), 1));
  if (!whole.error) {
    EXPECT_EQ(whole.bytes_consumed, body.size());
  }

  std::vector<size_t> sizes;
  if (body.size() <= 1024) {
    for (size_t size = 1; size < body.size(); ++size) sizes.push_back(size);
  } else {
    sizes = {1, 2, 3, 5, 7, 8, 9, 13, 64, 100, 1000, 4096, 16383, 16384, 16385, 65536};
  }
  for (const size_t size : sizes) {
    const Outcome chunked = ReadInChunks(body, boundary, size);
    EXPECT_EQ(chunked, whole) << "chunks of " << size << " bytes of \"" << Escape(body.substr(0, 300)) << '"';
    if (chunked != whole) break;  // one report per body is enough
  }
  EXPECT_EQ(ReadInChunks(body, boundary, 1, true), whole) << "one-byte chunks with empty chunks in between";
  return whole;
}

// A part as a client writes it: the delimiter line, the headers, a blank line, the content.
std::string PartText(std::string_view headers, std::string_view content, std::string_view boundary = kBoundary) {
  return "--" + std::string(boundary) + "\r\n" + std::string(headers) + "\r\n" + std::string(content) + "\r\n";
}

std::string Disposition(std::string_view name) {
  return "Content-Disposition: form-data; name=\"" + std::string(name) + "\"\r\n";
}

std::string Close(std::string_view boundary = kBoundary) { return "--" + std::string(boundary) + "--\r\n"; }

std::string Detail(uint64_t offset, std::string_view what) {
  return "malformed multipart/form-data body at byte " + std::to_string(offset) + ": " + std::string(what);
}

constexpr std::string_view kNoClose = "the body ended before the closing boundary delimiter (--boundary--)";

// ---------------------------------------------------------------------------------------------
// Well-formed bodies

TEST(MultipartReaderTest, OneFilePart) {
  const std::string body = PartText(
                               "Content-Disposition: form-data; name=\"file\"; filename=\"hires.csv\"\r\n"
                               "Content-Type: text/csv\r\n",
                               "id,name\r\n1,Ann\r\n") +
                           Close();
  const Outcome outcome = Read(body);
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0], (Part{"file", "hires.csv", "text/csv", "id,name\r\n1,Ann\r\n", true}));
  EXPECT_EQ(outcome.bytes_consumed, body.size());
}

TEST(MultipartReaderTest, SeveralPartsInOrder) {
  const std::string body = PartText(Disposition("table"), "jobs") +
                           PartText(Disposition("file") + "Content-Type: text/csv\r\n", "1,Engineer\n2,Analyst\n") +
                           PartText(Disposition("note"), "last") + Close();
  const Outcome outcome = Read(body);
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 3u);
  EXPECT_EQ(outcome.parts[0], (Part{"table", std::nullopt, "", "jobs", true}));
  EXPECT_EQ(outcome.parts[1], (Part{"file", std::nullopt, "text/csv", "1,Engineer\n2,Analyst\n", true}));
  EXPECT_EQ(outcome.parts[2], (Part{"note", std::nullopt, "", "last", true}));
}

TEST(MultipartReaderTest, PreambleAndEpilogueAreIgnored) {
  const std::string body = "This is the preamble.\r\nIt mentions --b0undary but not at the start of a line.\r\n" +
                           PartText(Disposition("file"), "data") + Close() +
                           "epilogue\r\n--b0undary\r\nnot a part\r\n--b0undary--\r\n";
  const Outcome outcome = Read(body);
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].content, "data");
  EXPECT_EQ(outcome.bytes_consumed, body.size());
}

TEST(MultipartReaderTest, BodyMayStartWithCrlfBeforeTheFirstDelimiter) {
  const Outcome outcome = Read("\r\n" + PartText(Disposition("file"), "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].content, "x");
}

TEST(MultipartReaderTest, ClosingDelimiterNeedsNoLineBreakOrEpilogue) {
  const Outcome outcome = Read(PartText(Disposition("file"), "x") + "--b0undary--");
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_TRUE(outcome.parts[0].ended);
}

TEST(MultipartReaderTest, OnlyAClosingDelimiterIsABodyWithNoParts) {
  const Outcome outcome = Read("--b0undary--\r\n");
  EXPECT_FALSE(outcome.error);
  EXPECT_TRUE(outcome.parts.empty());
}

TEST(MultipartReaderTest, EmptyPart) {
  const Outcome outcome = Read(PartText(Disposition("empty"), "") + PartText(Disposition("file"), "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 2u);
  EXPECT_EQ(outcome.parts[0], (Part{"empty", std::nullopt, "", "", true}));
  EXPECT_EQ(outcome.parts[1].content, "x");
}

TEST(MultipartReaderTest, PartWithoutHeaders) {
  // RFC 2046: a body part with no header lines starts with the blank line.
  const Outcome outcome = Read("--b0undary\r\n\r\ncontent\r\n" + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0], (Part{"", std::nullopt, "", "content", true}));
}

TEST(MultipartReaderTest, LineBreaksInsideContentAreContent) {
  // Only the CRLF right before a delimiter belongs to the delimiter.
  const std::string content = "\r\na\r\n\r\nb\nc\r\r\n\n\r\n";
  const Outcome outcome = Read(PartText(Disposition("file"), content) + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].content, content);
}

TEST(MultipartReaderTest, BoundaryLikeTextInsideContentIsContent) {
  const std::vector<std::string> contents = {
      "x--b0undary\r\n",            // the boundary, but not at the start of a line
      "\n--b0undary\r\n",           // LF alone does not start a delimiter
      "\r\n-b0undary\r\n",          // one dash
      "\r\n--b0undar",              // a prefix of the delimiter at the very end of the content
      "\r\n--b0unda\r\n--b0und",    //
      "\r\n--B0UNDARY\r\n",         // boundaries are case-sensitive
      "\r\n\r\n--\r\n--b\r\n--b0",  //
      "x--b0undary--",              // a closing delimiter not at the start of a line
  };
  for (const std::string& content : contents) {
    const Outcome outcome = Read(PartText(Disposition("file"), content) + Close());
    ASSERT_FALSE(outcome.error) << Escape(content) << ": " << *outcome.error;
    ASSERT_EQ(outcome.parts.size(), 1u) << Escape(content);
    EXPECT_EQ(outcome.parts[0].content, content) << Escape(content);
  }
}

TEST(MultipartReaderTest, TransportPaddingAfterADelimiterIsIgnored) {
  const Outcome outcome = Read("--b0undary \t \r\n" + Disposition("a") + "\r\nx\r\n--b0undary\t\r\n" +
                               Disposition("b") + "\r\ny\r\n" + "--b0undary--  \r\n");
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 2u);
  EXPECT_EQ(outcome.parts[0].content, "x");
  EXPECT_EQ(outcome.parts[1].content, "y");
}

TEST(MultipartReaderTest, BoundaryWithSpacesAndPunctuation) {
  const std::string boundary = "a b'()+_,-./:=?z";
  const Outcome outcome =
      Read(PartText(Disposition("file"), "--a b'()+_,-./:=?", boundary) + Close(boundary), boundary);
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].content, "--a b'()+_,-./:=?");
}

TEST(MultipartReaderTest, LongContentIsStreamedAsItArrives) {
  std::string content;
  for (int i = 0; content.size() < 256 * 1024; ++i)
    content += std::to_string(i) + ",name " + std::to_string(i) + "\r\n";
  const std::string body = PartText(Disposition("file"), content) + Close();
  EXPECT_EQ(Read(body).parts.at(0).content, content);

  // Half of the body in: all of its content so far has been delivered, but for the bytes that may
  // still turn out to be the start of a delimiter.
  std::string received;
  const auto on_data = [&](std::string_view data) { received.append(data); };
  MultipartReader reader(std::string(kBoundary), {nullptr, on_data, nullptr});
  const std::string_view half = std::string_view(body).substr(0, body.size() / 2);
  reader.Feed(half);
  const size_t content_start = body.find("\r\n\r\n") + 4;
  EXPECT_GE(received.size() + ("\r\n--" + std::string(kBoundary)).size(), half.size() - content_start);
  EXPECT_EQ(received, content.substr(0, received.size()));
}

TEST(MultipartReaderTest, CallbacksMayBeLeftEmpty) {
  MultipartReader reader(std::string(kBoundary), {});
  reader.Feed(PartText(Disposition("file"), "x") + Close());
  EXPECT_NO_THROW(reader.Finish());
}

TEST(MultipartReaderTest, BytesAfterTheClosingDelimiterAreCountedAndIgnored) {
  int parts = 0;
  MultipartReader reader(std::string(kBoundary), {[&](const PartHeaders&) { ++parts; }, nullptr, nullptr});
  const std::string body = PartText(Disposition("file"), "x") + Close();
  reader.Feed(body);
  reader.Feed(PartText(Disposition("late"), "y"));
  reader.Feed("garbage");
  EXPECT_NO_THROW(reader.Finish());
  EXPECT_EQ(parts, 1);
  EXPECT_EQ(reader.bytes_consumed(), body.size() + PartText(Disposition("late"), "y").size() + 7);
}

// ---------------------------------------------------------------------------------------------
// Part headers

TEST(MultipartReaderTest, FilenameWithEscapedQuoteAndBackslash) {
  const Outcome outcome = Read(
      PartText("Content-Disposition: form-data; name=\"file\"; filename=\"my \\\"big\\\" \\\\ file.csv\"\r\n", "x") +
      Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].filename, "my \"big\" \\ file.csv");
}

TEST(MultipartReaderTest, QuotedParameterValuesMayHoldSemicolonsAndEqualSigns) {
  const Outcome outcome =
      Read(PartText("Content-Disposition: form-data; name=\"a;b=c\"; filename=\"x; name=y.csv\"\r\n", "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].name, "a;b=c");
  EXPECT_EQ(outcome.parts[0].filename, "x; name=y.csv");
}

TEST(MultipartReaderTest, HeaderAndParameterNamesAreCaseInsensitive) {
  const Outcome outcome = Read(
      PartText("CONTENT-DISPOSITION: form-data; NAME=\"file\"; FileName=\"a.csv\"\r\ncontent-type: text/csv\r\n", "x") +
      Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0], (Part{"file", "a.csv", "text/csv", "x", true}));
}

TEST(MultipartReaderTest, UnquotedParametersAndSpacesAroundThem) {
  const Outcome outcome = Read(
      PartText("Content-Disposition:form-data ;  name = file ; filename=a.csv\r\nContent-Type:  text/csv  \r\n", "x") +
      Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0], (Part{"file", "a.csv", "text/csv", "x", true}));
}

TEST(MultipartReaderTest, ParameterWithoutValueDoesNotHideTheNextOne) {
  const Outcome outcome = Read(PartText("Content-Disposition: form-data; flag; name=\"file\"\r\n", "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].name, "file");
}

TEST(MultipartReaderTest, EmptyFilenameIsPresentButEmpty) {
  const Outcome outcome =
      Read(PartText("Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\n", "") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].filename, "");
}

TEST(MultipartReaderTest, OtherHeadersAndLinesWithoutColonAreIgnored) {
  const Outcome outcome =
      Read(PartText("X-Custom: 1\r\n" + Disposition("file") + "no colon here\r\nContent-Length: 1\r\n", "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0], (Part{"file", std::nullopt, "", "x", true}));
}

TEST(MultipartReaderTest, HeaderBlockOfExactly16KiBIsAccepted) {
  const std::string first = Disposition("file");
  const std::string padding(16 * 1024 - first.size() - std::string("X-Pad: \r\n").size(), 'p');
  const std::string headers = first + "X-Pad: " + padding + "\r\n";
  ASSERT_EQ(headers.size(), 16u * 1024);
  const Outcome outcome = Read(PartText(headers, "x") + Close());
  ASSERT_FALSE(outcome.error) << *outcome.error;
  ASSERT_EQ(outcome.parts.size(), 1u);
  EXPECT_EQ(outcome.parts[0].content, "x");
}

// ---------------------------------------------------------------------------------------------
// Malformed bodies

TEST(MultipartReaderTest, EmptyBodyHasNoDelimiter) {
  EXPECT_EQ(Read("").error,
            Detail(0, "no boundary delimiter found (does the boundary in Content-Type match the body?)"));
}

TEST(MultipartReaderTest, BodyWithAnotherBoundaryHasNoDelimiter) {
  const std::string body = PartText(Disposition("file"), "x", "other") + Close("other");
  EXPECT_EQ(Read(body).error,
            Detail(body.size(), "no boundary delimiter found (does the boundary in Content-Type match the body?)"));
}

TEST(MultipartReaderTest, MissingClosingDelimiterIsAnError) {
  const std::string part = PartText(Disposition("file"), "x");
  for (const std::string& body :
       {part, part + "--b0undary", part + "--b0undary-", part + "--b0und", part.substr(0, part.size() - 2),
        std::string("--b0undary"), std::string("--b0undary\r\n\r\n")}) {
    const Outcome outcome = Read(body);
    EXPECT_EQ(outcome.error, Detail(body.size(), kNoClose)) << Escape(body);
  }
}

TEST(MultipartReaderTest, ContentBeforeTheErrorWasDelivered) {
  // The caller sees the error at the end, after the content (its own Abort undoes what it did
  // with it), all but the bytes that could have been the start of a delimiter; the part never ends.
  const std::string content = "1,a\n2,b\n3,c\n4,d\n5,e\n";
  const std::string body = PartText(Disposition("file"), content);
  const Outcome outcome = Read(body);
  EXPECT_EQ(outcome.error, Detail(body.size(), kNoClose));
  ASSERT_EQ(outcome.parts.size(), 1u);
  const std::string& delivered = outcome.parts[0].content;
  EXPECT_EQ(delivered, content.substr(0, delivered.size()));
  EXPECT_GE(delivered.size() + ("\r\n--" + std::string(kBoundary)).size(), content.size());
  EXPECT_FALSE(outcome.parts[0].ended);
}

TEST(MultipartReaderTest, DelimiterFollowedByOtherTextIsAnError) {
  // RFC 2046: the boundary may not appear at the start of a line inside a part, so such a line
  // is malformed, not content.
  const std::string part = PartText(Disposition("file"), "x");
  EXPECT_EQ(Read("--b0undaryX\r\n").error, Detail(10, "expected CRLF after a boundary delimiter"));
  EXPECT_EQ(Read(part + "--b0undary-x\r\n").error,
            Detail(part.size() + 10, "expected CRLF after a boundary delimiter"));
  EXPECT_EQ(Read(part + "--b0undary  x\r\n").error,
            Detail(part.size() + 10, "expected CRLF after a boundary delimiter"));
  EXPECT_EQ(Read(part + "--b0undary\nx").error, Detail(part.size() + 10, "expected CRLF after a boundary delimiter"));
}

TEST(MultipartReaderTest, EndlessPaddingAfterADelimiterIsAnError) {
  const std::string limit(1024, ' ');
  EXPECT_FALSE(Read("--b0undary" + limit + "\r\n" + Disposition("file") + "\r\nx\r\n" + Close()).error);
  EXPECT_EQ(Read("--b0undary" + limit + " \r\n").error,
            Detail(10, "more than 1 KiB of whitespace after a boundary delimiter"));
}

TEST(MultipartReaderTest, BodyEndingInsideTheHeadersIsAnError) {
  const std::string what =
      "the body ended inside a part's header block (is the blank line after the part's headers missing?)";
  const std::string headers = "--b0undary\r\n" + Disposition("file");
  EXPECT_EQ(Read(headers).error, Detail(headers.size(), what));
  EXPECT_EQ(Read(headers + "\r").error, Detail(headers.size() + 1, what));
  EXPECT_EQ(Read("--b0undary\r\nContent-Disp").error, Detail(24, what));
}

TEST(MultipartReaderTest, MissingBlankLineAfterTheHeadersIsAnError) {
  const std::string what =
      "a boundary delimiter inside a part's header block (is the blank line after the part's headers missing?)";
  // Headers, then the content right away: the next delimiter shows up where a header line was
  // expected (the closing one, or the next part's)...
  const std::string first = "--b0undary\r\n" + Disposition("file") + "1,a\r\n";
  EXPECT_EQ(Read(first + Close()).error, Detail(first.size(), what));
  EXPECT_EQ(Read(first + PartText(Disposition("other"), "x") + Close()).error, Detail(first.size(), what));
  // ...or the body ends first.
  EXPECT_EQ(
      Read(first).error,
      Detail(first.size(),
             "the body ended inside a part's header block (is the blank line after the part's headers missing?)"));
  // A delimiter right after a delimiter: a part with neither headers nor blank line.
  EXPECT_EQ(Read("--b0undary\r\n--b0undary--\r\n").error, Detail(12, what));
}

TEST(MultipartReaderTest, HeaderBlockOver16KiBIsAnError) {
  const std::string what =
      "a part's header block is longer than 16 KiB (is the blank line after the part's headers missing?)";
  const std::string first = Disposition("file");
  const std::string padding(16 * 1024 - first.size() - std::string("X-Pad: \r\n").size() + 1, 'p');
  const std::string headers = first + "X-Pad: " + padding + "\r\n";
  ASSERT_EQ(headers.size(), 16u * 1024 + 1);
  EXPECT_EQ(Read(PartText(headers, "x") + Close()).error, Detail(12, what));
  // Many short header lines add up the same way.
  std::string many;
  while (many.size() <= 16 * 1024) many += "X-A: b\r\n";
  EXPECT_EQ(Read(PartText(many, "x") + Close()).error, Detail(12, what));
}

TEST(MultipartReaderTest, EndlessHeaderLineFailsWithoutWaitingForTheEnd) {
  MultipartReader reader(std::string(kBoundary), {});
  reader.Feed("--b0undary\r\n");
  const std::string line(16 * 1024, 'h');
  EXPECT_NO_THROW(reader.Feed(line));
  try {
    reader.Feed(line);
    FAIL() << "no error after 32 KiB of a header line";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), core::ErrorCode::kBadRequest);
    EXPECT_EQ(error.detail(), Detail(12,
                                     "a part's header block is longer than 16 KiB (is the blank line after "
                                     "the part's headers missing?)"));
  }
}

// ---------------------------------------------------------------------------------------------
// Round trip: random parts through a minimal encoder

TEST(MultipartReaderTest, RandomPartsRoundTrip) {
  // Content from the bytes that matter to the reader, so delimiters, near-delimiters and line
  // breaks meet every chunk boundary.
  const std::vector<std::string> pieces = {"a", "\r", "\n", "\r\n", "-", "--", "b0und", "b0undary", "\r\n--b0", " "};
  const std::string delimiter = "\r\n--" + std::string(kBoundary);
  std::mt19937 rng(20240607);
  for (int round = 0; round < 150; ++round) {
    std::vector<Part> expected;
    std::string body = rng() % 2 ? "preamble\r\n" : "";
    const size_t parts = rng() % 4;
    for (size_t p = 0; p < parts; ++p) {
      std::string content;
      const size_t length = rng() % 12;
      for (size_t i = 0; i < length; ++i) content += pieces[rng() % pieces.size()];
      // The encoder's duty (RFC 2046): the content never holds a delimiter line.
      if (("\r\n" + content + "\r\n").find(delimiter) != std::string::npos) continue;
      const std::string name = "f" + std::to_string(p);
      body += PartText(Disposition(name), content);
      expected.push_back(Part{name, std::nullopt, "", content, true});
    }
    body += Close() + (rng() % 2 ? "epilogue" : "");
    const Outcome outcome = Read(body);
    ASSERT_FALSE(outcome.error) << Escape(body) << ": " << *outcome.error;
    ASSERT_EQ(outcome.parts, expected) << Escape(body);
  }
}

// ---------------------------------------------------------------------------------------------
// BoundaryFromContentType

TEST(BoundaryFromContentTypeTest, TokenAndQuotedForms) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=abc123"), "abc123");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"abc123\""), "abc123");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"a b;c=d,e\""), "a b;c=d,e");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data;boundary=x"), "x");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data ;  boundary = x  "), "x");
}

TEST(BoundaryFromContentTypeTest, WhatRealClientsSend) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=------------------------d74496d66958873e"),
            "------------------------d74496d66958873e");  // curl
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
            "----WebKitFormBoundary7MA4YWxkTrZu0gW");  // browsers
}

TEST(BoundaryFromContentTypeTest, ParameterNameIsCaseInsensitiveAndMayComeAnywhere) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; BOUNDARY=x"), "x");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; charset=utf-8; Boundary=xyz; foo=bar"), "xyz");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; foo=\"boundary=no\"; boundary=yes"), "yes");
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; flag; boundary=yes"), "yes");
}

TEST(BoundaryFromContentTypeTest, MissingOrEmptyIsNullopt) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data"), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType(""), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; charset=utf-8"), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"\""), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary"), std::nullopt);
}

TEST(BoundaryFromContentTypeTest, LengthIsOneTo70Characters) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=" + std::string(70, 'x')), std::string(70, 'x'));
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=" + std::string(71, 'x')), std::nullopt);
}

TEST(BoundaryFromContentTypeTest, ControlCharactersAndTrailingSpaceAreInvalid) {
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"a\r\nb\""), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType(std::string("multipart/form-data; boundary=\"a\0b\"", 35)), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"ab \""), std::nullopt);
  EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=\"a\xC3\xA9\""), std::nullopt);
}

}  // namespace
}  // namespace migration::http
