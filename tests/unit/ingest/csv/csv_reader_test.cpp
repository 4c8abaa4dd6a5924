// Tests of the streaming CSV reader (src/ingest/csv/csv_reader.hpp).
//
// Every input goes through Read(), which parses it whole, one byte at a time, split at every
// single position, and split at random positions, and fails unless all of them give the same
// records: correctness under any chunking is part of the contract, so no test can skip it.
// The randomized tests at the end also compare the reader with a small reference parser written
// the obvious way (whole input in memory, with look-ahead), which shares no code with the reader.

#include "ingest/csv/csv_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv/csv_error.hpp"

namespace migration::ingest::csv {
namespace {

// A record copied out of the sink (the reader's views die when the sink returns).
struct Rec {
  std::vector<std::string> fields;
  std::string raw;
  uint64_t record_number = 0;
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  std::optional<CsvErrorType> error_type;
  uint64_t error_field = 0;
  uint64_t error_offset = 0;
  std::string error_message;

  bool operator==(const Rec&) const = default;
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

void PrintTo(const Rec& rec, std::ostream* os) {
  *os << "{#" << rec.record_number << " line " << rec.line << " offset " << rec.byte_offset << " raw \""
      << Escape(rec.raw) << "\" fields [";
  for (size_t i = 0; i < rec.fields.size(); ++i) *os << (i ? ", " : "") << '"' << Escape(rec.fields[i]) << '"';
  *os << "]";
  if (rec.error_type) {
    *os << " error " << CsvErrorTypeName(*rec.error_type) << " field " << rec.error_field << " at " << rec.error_offset
        << ": " << rec.error_message;
  }
  *os << "}";
}

Rec Copy(const CsvRecord& record) {
  Rec rec;
  for (const std::string_view field : record.fields) rec.fields.emplace_back(field);
  rec.raw = std::string(record.raw);
  rec.record_number = record.record_number;
  rec.line = record.line;
  rec.byte_offset = record.byte_offset;
  if (record.error) {
    rec.error_type = record.error->type;
    rec.error_field = record.error->field;
    rec.error_offset = record.error->byte_offset;
    rec.error_message = record.error->message;
  }
  return rec;
}

// Feeds `input` cut at the given increasing positions.
std::vector<Rec> ReadCut(std::string_view input, const std::vector<size_t>& cuts, CsvReader::Options options) {
  CsvReader reader(options);
  std::vector<Rec> records;
  const CsvReader::Sink sink = [&records](const CsvRecord& record) { records.push_back(Copy(record)); };
  size_t from = 0;
  for (const size_t cut : cuts) {
    reader.Feed(input.substr(from, cut - from), sink);
    from = cut;
  }
  reader.Feed(input.substr(from), sink);
  reader.Finish(sink);
  EXPECT_EQ(reader.bytes_consumed(), input.size());
  EXPECT_EQ(reader.records_emitted(), records.size());
  return records;
}

std::vector<Rec> Read(std::string_view input, CsvReader::Options options = {}) {
  const std::vector<Rec> whole = ReadCut(input, {}, options);

  std::vector<size_t> every_byte;
  for (size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(ReadCut(input, every_byte, options), whole) << "one-byte chunks of \"" << Escape(input) << '"';

  // Two chunks at every split point, including empty first and last chunks.
  for (size_t cut = 0; cut <= input.size() && input.size() <= 512; ++cut) {
    EXPECT_EQ(ReadCut(input, {cut}, options), whole) << "split at " << cut << " of \"" << Escape(input) << '"';
  }

  std::mt19937 rng(static_cast<uint32_t>(input.size()));
  for (int round = 0; round < 8; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = 0; at < input.size();) {
      at += rng() % 7;  // 0 gives empty chunks, which must be harmless
      if (at <= input.size()) cuts.push_back(at);
    }
    EXPECT_EQ(ReadCut(input, cuts, options), whole) << "random chunks of \"" << Escape(input) << '"';
  }
  return whole;
}

CsvReader::Options WithMax(uint64_t max_record_bytes) {
  CsvReader::Options options;
  options.max_record_bytes = max_record_bytes;
  return options;
}

using Fields = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// Line breaks, empty input, empty lines

TEST(CsvReaderTest, EmptyInputHasNoRecords) { EXPECT_TRUE(Read("").empty()); }

TEST(CsvReaderTest, OnlyLineBreaksHaveNoRecords) {
  EXPECT_TRUE(Read("\n").empty());
  EXPECT_TRUE(Read("\r\n").empty());
  EXPECT_TRUE(Read("\n\n\r\n\n").empty());
  EXPECT_TRUE(Read("\r").empty());  // a final CR is a line break cut short
}

TEST(CsvReaderTest, LfRecords) {
  const auto records = Read("a,b\nc,d\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(records[0].raw, "a,b");
  EXPECT_EQ(records[0].record_number, 1u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[0].byte_offset, 0u);
  EXPECT_EQ(records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(records[1].record_number, 2u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].byte_offset, 4u);
  EXPECT_FALSE(records[0].error_type || records[1].error_type);
}

TEST(CsvReaderTest, CrlfRecordsExcludeTheCrFromFieldsAndRaw) {
  const auto records = Read("a,b\r\nc,d\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(records[0].raw, "a,b");
  EXPECT_EQ(records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(records[1].raw, "c,d");
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].byte_offset, 5u);
}

TEST(CsvReaderTest, MixedLineBreaks) {
  const auto records = Read("a\r\nb\nc\r\nd");
  ASSERT_EQ(records.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(records[i].fields, (Fields{std::string(1, static_cast<char>('a' + i))}));
    EXPECT_EQ(records[i].line, i + 1);
  }
  EXPECT_EQ(records[3].byte_offset, 8u);
}

TEST(CsvReaderTest, LastRecordWithoutLineBreak) {
  const auto records = Read("a,b\nc,d");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(records[1].raw, "c,d");
}

TEST(CsvReaderTest, InputEndingInCrReadsLikeCrlf) {
  const auto records = Read("a,b\r");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(records[0].raw, "a,b");
  EXPECT_EQ(Read("x\na,\r")[1].fields, (Fields{"a", ""}));
  EXPECT_EQ(Read("\"q\"\r")[0].fields, (Fields{"q"}));
}

TEST(CsvReaderTest, EmptyLinesAreSkippedButCounted) {
  const auto records = Read("\n\na\n\n\nb\n\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"a"}));
  EXPECT_EQ(records[0].record_number, 1u);
  EXPECT_EQ(records[0].line, 3u);
  EXPECT_EQ(records[0].byte_offset, 2u);
  EXPECT_EQ(records[1].fields, (Fields{"b"}));
  EXPECT_EQ(records[1].record_number, 2u);
  EXPECT_EQ(records[1].line, 6u);
  EXPECT_EQ(records[1].byte_offset, 6u);
}

TEST(CsvReaderTest, EmptyCrlfLinesAreSkippedButCounted) {
  const auto records = Read("\r\n\r\na\r\n\r\nb\r\n\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 3u);
  EXPECT_EQ(records[0].byte_offset, 4u);
  EXPECT_EQ(records[1].line, 5u);
  EXPECT_EQ(records[1].byte_offset, 9u);
}

TEST(CsvReaderTest, LineOfSpacesIsARecordWithOneField) {
  const auto records = Read("a\n   \nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (Fields{"   "}));
  EXPECT_EQ(records[1].raw, "   ");
  EXPECT_EQ(records[1].line, 2u);
}

TEST(CsvReaderTest, LoneCrInsideDataIsData) {
  const auto records = Read("a\rb,c\nd\r\r\ne\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (Fields{"a\rb", "c"}));
  EXPECT_EQ(records[0].raw, "a\rb,c");
  EXPECT_EQ(records[1].fields, (Fields{"d\r"}));  // the second CR is the CRLF's
  EXPECT_EQ(records[1].raw, "d\r");
  EXPECT_EQ(records[2].line, 3u);  // a lone CR is not a line break
}

TEST(CsvReaderTest, LineOfOnlyCrIsARecord) {
  const auto records = Read("a\n\r\r\nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (Fields{"\r"}));
  EXPECT_EQ(records[1].raw, "\r");
}

// ---------------------------------------------------------------------------------------------
// Fields

TEST(CsvReaderTest, EmptyFields) {
  EXPECT_EQ(Read(",,\n")[0].fields, (Fields{"", "", ""}));
  EXPECT_EQ(Read("a,\n")[0].fields, (Fields{"a", ""}));
  EXPECT_EQ(Read(",a")[0].fields, (Fields{"", "a"}));
  EXPECT_EQ(Read("a,")[0].fields, (Fields{"a", ""}));
  EXPECT_EQ(Read("a,\r\n")[0].fields, (Fields{"a", ""}));
}

TEST(CsvReaderTest, RaggedRowsAreDeliveredAsTheyAre) {
  const auto records = Read("a,b,c\nd\ne,f,g,h,i\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields.size(), 3u);
  EXPECT_EQ(records[1].fields.size(), 1u);
  EXPECT_EQ(records[2].fields.size(), 5u);
  for (const auto& rec : records) EXPECT_FALSE(rec.error_type);
}

TEST(CsvReaderTest, QuotedFieldOfOnlyTwoQuotesIsEmpty) {
  EXPECT_EQ(Read("a,\"\",b\n")[0].fields, (Fields{"a", "", "b"}));
  const auto alone = Read("\"\"\n");
  ASSERT_EQ(alone.size(), 1u);  // not an empty line: it has bytes
  EXPECT_EQ(alone[0].fields, (Fields{""}));
  EXPECT_EQ(alone[0].raw, "\"\"");
  EXPECT_FALSE(alone[0].error_type);
}

TEST(CsvReaderTest, QuotedDelimitersAndDoubledQuotes) {
  const auto records = Read("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"a,b", "say \"hi\"", "\""}));
  EXPECT_EQ(records[0].raw, "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"");
  EXPECT_FALSE(records[0].error_type);
}

TEST(CsvReaderTest, QuotedLineBreaksAdvanceLinesNotRecords) {
  const auto records = Read("1,\"two\nlines\"\n2,\"three\r\nline\nbreaks\"\r\n3,x\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (Fields{"1", "two\nlines"}));
  EXPECT_EQ(records[0].raw, "1,\"two\nlines\"");
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].fields, (Fields{"2", "three\r\nline\nbreaks"}));  // quoted CRLF is data, kept as is
  EXPECT_EQ(records[1].record_number, 2u);
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[1].byte_offset, 14u);
  EXPECT_EQ(records[2].record_number, 3u);
  EXPECT_EQ(records[2].line, 6u);
  EXPECT_EQ(records[2].byte_offset, 38u);
}

TEST(CsvReaderTest, QuotedLoneCrDoesNotAdvanceLines) {
  const auto records = Read("\"a\rb\"\nc\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"a\rb"}));
  EXPECT_EQ(records[1].line, 2u);
}

TEST(CsvReaderTest, ClosingQuoteFollowedByCrlf) {
  const auto records = Read("\"a\"\r\n\"b\",\"c\"\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"a"}));
  EXPECT_EQ(records[0].raw, "\"a\"");
  EXPECT_EQ(records[1].fields, (Fields{"b", "c"}));
  EXPECT_EQ(records[1].raw, "\"b\",\"c\"");
  EXPECT_FALSE(records[1].error_type);
}

TEST(CsvReaderTest, InvalidUtf8PassesThroughUnchanged) {
  const std::string bad = "\xC3\x28,\xFF\xFE,\"\xE2\x82\"\n";
  const auto records = Read(bad);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"\xC3\x28", "\xFF\xFE", "\xE2\x82"}));
  EXPECT_EQ(records[0].raw, bad.substr(0, bad.size() - 1));
  EXPECT_FALSE(records[0].error_type);
}

TEST(CsvReaderTest, NulBytesAreData) {
  const std::string input("a\0b,\"\0\"\n", 8);
  const auto records = Read(input);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{std::string("a\0b", 3), std::string("\0", 1)}));
}

TEST(CsvReaderTest, OtherDelimiters) {
  CsvReader::Options tab;
  tab.delimiter = '\t';
  EXPECT_EQ(Read("a\t\"b\tc\"\t,d\n", tab)[0].fields, (Fields{"a", "b\tc", ",d"}));
  CsvReader::Options semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(Read("1;2,5;\"x;y\"\n", semicolon)[0].fields, (Fields{"1", "2,5", "x;y"}));
}

TEST(CsvReaderTest, DelimiterThatBreaksTheGrammarIsRefused) {
  for (const char bad : {'"', '\n', '\r'}) {
    CsvReader::Options options;
    options.delimiter = bad;
    EXPECT_THROW(CsvReader{options}, std::invalid_argument);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte order mark

TEST(CsvReaderTest, BomAloneHasNoRecords) {
  EXPECT_TRUE(Read("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(Read("\xEF\xBB\xBF\r\n").empty());
}

TEST(CsvReaderTest, BomIsSkippedButCountsInOffsets) {
  const auto records = Read("\xEF\xBB\xBFid,name\n1,x\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"id", "name"}));
  EXPECT_EQ(records[0].raw, "id,name");
  EXPECT_EQ(records[0].byte_offset, 3u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].byte_offset, 11u);
  EXPECT_EQ(records[1].line, 2u);
}

TEST(CsvReaderTest, BomBeforeQuotedFieldAndBeforeEmptyLine) {
  EXPECT_EQ(Read("\xEF\xBB\xBF\"a,b\"\n")[0].fields, (Fields{"a,b"}));
  const auto records = Read("\xEF\xBB\xBF\nx\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_EQ(records[0].byte_offset, 4u);
}

TEST(CsvReaderTest, BomInTheMiddleIsData) {
  const auto records = Read(
      "a\n\xEF\xBB\xBF"
      "b\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (Fields{"\xEF\xBB\xBF"
                                       "b"}));
  EXPECT_EQ(records[1].byte_offset, 2u);
}

TEST(CsvReaderTest, OnlyOneBomIsSkipped) {
  EXPECT_EQ(Read("\xEF\xBB\xBF\xEF\xBB\xBF"
                 "a\n")[0]
                .fields,
            (Fields{"\xEF\xBB\xBF"
                    "a"}));
}

TEST(CsvReaderTest, PartialBomIsData) {
  auto records = Read("\xEF\xBB");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"\xEF\xBB"}));
  EXPECT_EQ(records[0].byte_offset, 0u);
  records = Read("\xEF\xBBx,y\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"\xEF\xBBx", "y"}));
  EXPECT_EQ(Read("\xEF,\n")[0].fields, (Fields{"\xEF", ""}));
  EXPECT_EQ(Read("\xEF\n")[0].raw, "\xEF");
}

// ---------------------------------------------------------------------------------------------
// Malformed records: delivered with an error, and the reader carries on at the next line

TEST(CsvReaderTest, StrayQuoteInUnquotedField) {
  const auto records = Read("id,name\n5,O\"Brien,3\n6,Smith,4\n");
  ASSERT_EQ(records.size(), 3u);
  const Rec& bad = records[1];
  ASSERT_TRUE(bad.error_type);
  EXPECT_EQ(*bad.error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(bad.error_field, 2u);
  EXPECT_EQ(bad.error_offset, 11u);
  EXPECT_EQ(bad.error_message,
            "line 2, field 2: a quote inside an unquoted field; quote the whole field and double any quote inside it");
  EXPECT_EQ(bad.raw, "5,O\"Brien,3");
  EXPECT_EQ(bad.fields, (Fields{"5", "O\"Brien", "3"}));  // the quote is kept as data, the rest still parsed
  EXPECT_EQ(records[2].fields, (Fields{"6", "Smith", "4"}));
  EXPECT_EQ(records[2].record_number, 3u);
  EXPECT_FALSE(records[2].error_type);
}

TEST(CsvReaderTest, StrayQuoteAtEndOfUnquotedField) {
  const auto records = Read("ab\"\ncd\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(records[0].error_offset, 2u);
  EXPECT_EQ(records[1].fields, (Fields{"cd"}));
}

TEST(CsvReaderTest, OnlyTheFirstStrayQuoteIsReported) {
  const auto records = Read("a\"b,c\"d\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_field, 1u);
  EXPECT_EQ(records[0].error_offset, 1u);
}

TEST(CsvReaderTest, BytesAfterClosingQuote) {
  const auto records = Read("x\n\"a\"b,c\nnext\n");
  ASSERT_EQ(records.size(), 3u);
  const Rec& bad = records[1];
  EXPECT_EQ(bad.error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(bad.error_field, 1u);
  EXPECT_EQ(bad.error_offset, 5u);
  EXPECT_EQ(bad.error_message,
            "line 2, field 1: characters after the closing quote of a quoted field; a closing quote must be followed "
            "by a comma or a line break, so double any quote that is part of the value");
  EXPECT_EQ(bad.fields, (Fields{"ab", "c"}));
  EXPECT_EQ(bad.raw, "\"a\"b,c");
  EXPECT_EQ(records[2].fields, (Fields{"next"}));
  EXPECT_EQ(records[2].line, 3u);
}

TEST(CsvReaderTest, SpaceAfterClosingQuote) {
  const auto records = Read("1,\"a\" ,2\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(records[0].error_field, 2u);
  EXPECT_EQ(records[0].error_offset, 5u);
  EXPECT_EQ(records[0].fields, (Fields{"1", "a ", "2"}));
}

TEST(CsvReaderTest, LoneCrAfterClosingQuote) {
  const auto records = Read("\"a\"\rb\nc\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(records[0].error_offset, 3u);  // the CR
  EXPECT_EQ(records[0].fields, (Fields{"a\rb"}));
  EXPECT_EQ(records[0].raw, "\"a\"\rb");
  EXPECT_EQ(records[1].fields, (Fields{"c"}));
}

TEST(CsvReaderTest, CrAfterClosingQuoteThenCrlf) {
  const auto records = Read("\"a\"\r\r\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kStrayQuote);
  EXPECT_EQ(records[0].fields, (Fields{"a\r"}));
  EXPECT_EQ(records[0].raw, "\"a\"\r");
}

TEST(CsvReaderTest, StrayQuoteOnALaterLineOfAMultiLineRecord) {
  const auto records = Read("\"a\nb\",c\"d\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[0].error_field, 2u);
  EXPECT_EQ(records[0].error_message.rfind("line 2, field 2: ", 0), 0u) << records[0].error_message;
}

TEST(CsvReaderTest, UnterminatedQuoteAtEndOfInput) {
  const auto records = Read("a,b\nc,\"open");
  ASSERT_EQ(records.size(), 2u);
  const Rec& bad = records[1];
  EXPECT_EQ(bad.error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(bad.error_field, 2u);
  EXPECT_EQ(bad.error_offset, 6u);  // the opening quote
  EXPECT_EQ(bad.error_message,
            "line 2, field 2: a quoted field is never closed, so the rest of the input was read into it; add the "
            "closing quote and double any quote inside the field");
  EXPECT_EQ(bad.fields, (Fields{"c", "open"}));
  EXPECT_EQ(bad.raw, "c,\"open");
}

TEST(CsvReaderTest, UnterminatedQuoteInTheMiddleSwallowsTheRestOfTheInput) {
  // Per RFC 4180 the later line breaks are inside the quoted field, so there is no line break outside
  // quotes to resynchronise at: the rest of the input is one malformed record.
  const auto records = Read("1,ok\n2,\"broken\n3,x\n4,y\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].error_type);
  EXPECT_EQ(records[1].error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].fields, (Fields{"2", "broken\n3,x\n4,y\n"}));
  EXPECT_EQ(records[1].raw, "2,\"broken\n3,x\n4,y\n");
}

TEST(CsvReaderTest, UnterminatedQuoteNamesTheLineWhereTheQuoteOpens) {
  const auto records = Read("\"a\nb\",\"c\nd");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(records[0].error_field, 2u);
  EXPECT_EQ(records[0].error_offset, 6u);
  EXPECT_EQ(records[0].error_message.rfind("line 2, field 2: ", 0), 0u) << records[0].error_message;
}

TEST(CsvReaderTest, UnterminatedQuoteOutranksAnEarlierStrayQuote) {
  const auto records = Read("a\"b,\"c\nd");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(records[0].error_field, 2u);
}

TEST(CsvReaderTest, LoneQuote) {
  const auto records = Read("\"");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(records[0].fields, (Fields{""}));
  EXPECT_EQ(records[0].raw, "\"");
}

TEST(CsvReaderTest, ErrorTypeNames) {
  EXPECT_EQ(CsvErrorTypeName(CsvErrorType::kStrayQuote), "stray_quote");
  EXPECT_EQ(CsvErrorTypeName(CsvErrorType::kUnterminatedQuote), "unterminated_quote");
  EXPECT_EQ(CsvErrorTypeName(CsvErrorType::kRecordTooLong), "record_too_long");
}

TEST(CsvReaderTest, MessageNamesAnOtherDelimiterInWords) {
  CsvReader::Options tab;
  tab.delimiter = '\t';
  const auto records = Read("\"a\"b\n", tab);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NE(records[0].error_message.find("followed by a tab or a line break"), std::string::npos)
      << records[0].error_message;
}

// ---------------------------------------------------------------------------------------------
// Records over the limit

TEST(CsvReaderTest, RecordTooLongIsCutAndTheReaderResynchronises) {
  const auto records = Read("123456789,x\nok\n", WithMax(8));
  ASSERT_EQ(records.size(), 2u);
  const Rec& bad = records[0];
  EXPECT_EQ(bad.error_type, CsvErrorType::kRecordTooLong);
  EXPECT_EQ(bad.error_field, 1u);
  EXPECT_EQ(bad.error_offset, 8u);  // the first byte past the limit
  EXPECT_EQ(bad.error_message,
            "line 1, field 1: the record is longer than the limit of 8 bytes; look for a quote that is never closed or "
            "a missing line break");
  EXPECT_EQ(bad.raw, "12345678");
  EXPECT_EQ(bad.fields, (Fields{"12345678"}));
  EXPECT_EQ(records[1].fields, (Fields{"ok"}));
  EXPECT_EQ(records[1].record_number, 2u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].byte_offset, 12u);
}

TEST(CsvReaderTest, RecordOfExactlyTheLimitIsFine) {
  for (const std::string input : {"abc\nd\n", "abc\r\nd\n", "abc", "abc\r", "\"a\"\r\n"}) {
    const auto records = Read(input, WithMax(3));
    ASSERT_FALSE(records.empty());
    EXPECT_FALSE(records[0].error_type) << Escape(input);
    EXPECT_EQ(records[0].raw.size(), 3u);
  }
}

TEST(CsvReaderTest, OneByteOverTheLimit) {
  for (const std::string input : {"abcd\n", "abcd\r\n", "abcd", "abc\r\r\n", "abc\rx"}) {
    const auto records = Read(input, WithMax(3));
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].error_type, CsvErrorType::kRecordTooLong) << Escape(input);
    EXPECT_EQ(records[0].error_offset, 3u);
    EXPECT_EQ(records[0].raw, "abc");
  }
}

TEST(CsvReaderTest, RecordTooLongInTheMiddleWithQuotedLineBreaks) {
  const auto records = Read("a\n\"bb\ncc\ndd\",e\r\nf\n", WithMax(5));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].error_type, CsvErrorType::kRecordTooLong);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].raw, "\"bb\nc");
  EXPECT_EQ(records[1].fields, (Fields{"bb\nc"}));
  EXPECT_EQ(records[2].fields, (Fields{"f"}));
  EXPECT_EQ(records[2].record_number, 3u);
  EXPECT_EQ(records[2].line, 5u);
  EXPECT_EQ(records[2].byte_offset, 16u);
}

TEST(CsvReaderTest, RecordTooLongKeepsOnlyTheFieldsThatStartBeforeTheLimit) {
  const auto records = Read(",,,,,,,,,,\n", WithMax(4));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kRecordTooLong);
  EXPECT_EQ(records[0].fields, (Fields{"", "", "", "", ""}));
  EXPECT_EQ(records[0].error_field, 5u);
}

TEST(CsvReaderTest, RecordTooLongOutranksAStrayQuote) {
  const auto records = Read("a\"bcdefgh\n", WithMax(4));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kRecordTooLong);
}

TEST(CsvReaderTest, UnterminatedQuoteOutranksRecordTooLong) {
  const auto records = Read("x,\"abcdefgh\nijk\n", WithMax(4));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kUnterminatedQuote);
  EXPECT_EQ(records[0].raw, "x,\"a");
  EXPECT_EQ(records[0].fields, (Fields{"x", "a"}));
}

TEST(CsvReaderTest, LongRecordAcrossManyChunksWithDefaultLimit) {
  std::string field(300'000, 'x');
  field[1000] = ',';
  field[200'000] = '\n';  // inside quotes: data
  const std::string input = "1,\"" + field + "\",2\r\n3\n";
  const auto records = ReadCut(input, {1, 7, 4096, 65536, 65537, 200'002, 300'004}, {});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"1", field, "2"}));
  EXPECT_EQ(records[0].raw, input.substr(0, input.size() - 4));
  EXPECT_EQ(records[1].line, 3u);
}

TEST(CsvReaderTest, HugeRecordStaysBoundedAndIsCut) {
  const std::string input = "\"" + std::string(3 << 20, 'y') + "\"\nz\n";  // 3 MiB field, 1 MiB default limit
  const auto records = ReadCut(input, {5, 1 << 20, 2 << 20}, {});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].error_type, CsvErrorType::kRecordTooLong);
  EXPECT_EQ(records[0].raw.size(), 1u << 20);
  EXPECT_EQ(records[0].fields[0].size(), (1u << 20) - 1);
  EXPECT_EQ(records[1].fields, (Fields{"z"}));
}

// ---------------------------------------------------------------------------------------------
// Positions after multi-line records

TEST(CsvReaderTest, OffsetsAndLinesAfterMultiLineRecords) {
  const std::string input = "\xEF\xBB\xBFh1,h2\r\n\"x\r\ny\",1\r\n\r\n\"\n\n\",2\nlast,3";
  const auto records = Read(input);
  ASSERT_EQ(records.size(), 4u);
  const uint64_t expected_lines[] = {1, 2, 5, 8};
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].record_number, i + 1);
    EXPECT_EQ(records[i].line, expected_lines[i]);
    // raw sits in the input at byte_offset, and the line is the number of LFs before it plus one.
    EXPECT_EQ(input.substr(records[i].byte_offset, records[i].raw.size()), records[i].raw);
    EXPECT_EQ(records[i].line,
              1 + std::count(input.begin(), input.begin() + static_cast<ptrdiff_t>(records[i].byte_offset), '\n'));
  }
  EXPECT_EQ(records[3].fields, (Fields{"last", "3"}));
}

// ---------------------------------------------------------------------------------------------
// Randomized: the reader against a reference parser, and chunking invariance, on random inputs
// drawn from the bytes that matter (quote, delimiter, CR, LF, BOM bytes, letters, space).

struct ReferenceField {
  uint64_t start = 0;
  std::vector<std::pair<char, uint64_t>> bytes;  // content bytes with the offset they came from
};

// The contract, written the obvious way: whole input, index-based, with look-ahead.
std::vector<Rec> ReferenceRead(const std::string& s, uint64_t max) {
  std::vector<Rec> out;
  const size_t n = s.size();
  size_t i = s.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  uint64_t line = 1;
  auto line_break_at = [&](size_t at) {  // length of a line break (outside quotes) at `at`, or 0
    if (at < n && s[at] == '\n') return size_t{1};
    if (at < n && s[at] == '\r' && (at + 1 == n || s[at + 1] == '\n')) return at + 1 == n ? size_t{1} : size_t{2};
    return size_t{0};
  };
  while (i < n) {
    if (const size_t lb = line_break_at(i)) {  // empty line
      line += s[i + lb - 1] == '\n' ? 1 : 0;
      i += lb;
      continue;
    }
    const size_t start = i;
    const uint64_t start_line = line;
    std::vector<ReferenceField> fields;
    std::optional<CsvError> error;
    auto set_error = [&error](CsvError e) {
      if (!error || CsvErrorRank(error->type) < CsvErrorRank(e.type)) error = std::move(e);
    };
    size_t raw_end = n;
    size_t next = n;
    for (bool more = true; more;) {
      ReferenceField field;
      field.start = i;
      const uint64_t number = fields.size() + 1;
      bool unquoted = true;
      if (i < n && s[i] == '"') {
        const size_t open = i;
        const uint64_t open_line = line;
        ++i;
        unquoted = false;
        for (;;) {
          if (i == n) {
            set_error(UnterminatedQuote(open_line, number, open));
            break;
          }
          if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
            field.bytes.emplace_back('"', i + 1);
            i += 2;
          } else if (s[i] == '"') {
            ++i;
            break;
          } else {
            if (s[i] == '\n') ++line;
            field.bytes.emplace_back(s[i], i);
            ++i;
          }
        }
        if (i < n && s[i] != ',' && line_break_at(i) == 0) {
          if (!error) set_error(ByteAfterClosingQuote(line, number, i, ','));
          unquoted = true;
        }
      }
      while (unquoted && i < n && s[i] != ',' && line_break_at(i) == 0) {
        if (s[i] == '"' && !error) set_error(StrayQuoteInUnquotedField(line, number, i));
        field.bytes.emplace_back(s[i], i);
        ++i;
      }
      fields.push_back(field);
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      more = false;
      raw_end = i;
      if (const size_t lb = line_break_at(i)) {
        line += s[i + lb - 1] == '\n' ? 1 : 0;
        next = i + lb;
      } else {
        next = n;
      }
    }
    Rec rec;
    const uint64_t cap = start + max;
    if (raw_end - start > max) {
      size_t kept_fields = 0;
      while (kept_fields < fields.size() && fields[kept_fields].start <= cap) ++kept_fields;
      fields.resize(kept_fields);
      set_error(RecordTooLong(start_line, kept_fields, cap, max));
    }
    for (const auto& field : fields) {
      std::string text;
      for (const auto& [c, at] : field.bytes) {
        if (at < cap) text += c;
      }
      rec.fields.push_back(text);
    }
    rec.raw = s.substr(start, std::min<uint64_t>(raw_end - start, max));
    rec.record_number = out.size() + 1;
    rec.line = start_line;
    rec.byte_offset = start;
    if (error) {
      rec.error_type = error->type;
      rec.error_field = error->field;
      rec.error_offset = error->byte_offset;
      rec.error_message = error->message;
    }
    out.push_back(rec);
    i = next;
  }
  return out;
}

std::string RandomInput(std::mt19937& rng, size_t max_size) {
  static const std::string_view kPieces[] = {"a",  "b",  ",",    ",", "\"",   "\"",       "\"\"",        "\r",
                                             "\n", "\n", "\r\n", " ", "\xEF", "\xBB\xBF", "\xEF\xBB\xBF"};
  std::string s;
  const size_t size = rng() % (max_size + 1);
  while (s.size() < size) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

TEST(CsvReaderTest, RandomInputsMatchTheReferenceParser) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 1500; ++round) {
    const std::string input = RandomInput(rng, 40);
    const uint64_t max = round % 3 == 0 ? 1 + rng() % 12 : CsvReader::Options{}.max_record_bytes;
    const auto records = Read(input, WithMax(max));
    ASSERT_EQ(records, ReferenceRead(input, max)) << "input \"" << Escape(input) << "\" max " << max;
  }
}

TEST(CsvReaderTest, RandomInputsKeepPositionsConsistent) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const std::string input = RandomInput(rng, 200);
    const auto records = Read(input);
    for (size_t i = 0; i < records.size(); ++i) {
      const Rec& rec = records[i];
      ASSERT_EQ(rec.record_number, i + 1);
      ASSERT_EQ(input.compare(rec.byte_offset, rec.raw.size(), rec.raw), 0) << Escape(input);
      ASSERT_EQ(rec.line, 1 + std::count(input.begin(), input.begin() + static_cast<ptrdiff_t>(rec.byte_offset), '\n'));
      if (i > 0) {
        ASSERT_GT(rec.byte_offset, records[i - 1].byte_offset + records[i - 1].raw.size());
        ASSERT_GT(rec.line, records[i - 1].line);
      }
    }
  }
}

}  // namespace
}  // namespace migration::ingest::csv
