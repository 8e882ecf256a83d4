// UTF-8 as Go reads it (unicode/utf8 DecodeRune): one decoder, so that whatever zats takes for
// invalid UTF-8, in what it writes and in what it reads, is what nats-server takes for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zats::proto {

// The length of the valid UTF-8 sequence that starts at s[i] (a byte >= 0x80), with its code
// point in *code_point; 0 when the bytes there are not valid UTF-8 (overlong forms, surrogates,
// code points above U+10FFFF and truncated sequences are not). Go then reads one byte as U+FFFD.
size_t utf8_sequence_length(std::string_view s, size_t i, uint32_t* code_point);

// U+FFFD, the replacement character, in UTF-8.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace zats::proto
