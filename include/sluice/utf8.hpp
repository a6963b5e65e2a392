#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Text from the network or a file need not be UTF-8; JSON written out must be.
namespace sluice {

// Length of the well-formed UTF-8 sequence that starts at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF): 1 for ASCII, 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The text with each byte that does not start a well-formed sequence replaced by U+FFFD.
std::string with_valid_utf8(std::string_view s);

}  // namespace sluice
