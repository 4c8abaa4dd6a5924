#pragma once
// ASCII case folding for protocol tokens (header names, media types, auth schemes, settings):
// they are ASCII by their RFCs, so no locale is consulted and bytes >= 0x80 stay as they are.

#include <string>
#include <string_view>

namespace migration::core {

std::string AsciiLower(std::string_view text);
bool AsciiIEquals(std::string_view a, std::string_view b);

}  // namespace migration::core
