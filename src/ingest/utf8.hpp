#pragma once
// Strict UTF-8 validation (Unicode 15, Table 3-7 "Well-Formed UTF-8 Byte Sequences").

#include <cstddef>
#include <string_view>

namespace migration::ingest {

// The byte offset where the first ill-formed sequence starts, or std::string_view::npos when all of
// `text` is well-formed UTF-8. Overlong forms (C0 80, E0 80 80…), UTF-16 surrogates (ED A0 80…),
// code points above U+10FFFF (F4 90 80 80, F5…) and sequences cut short are all ill-formed.
size_t FindInvalidUtf8(std::string_view text);

}  // namespace migration::ingest
