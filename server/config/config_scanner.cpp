// ConfigScanner: UTF-8 decoding just far enough to classify white space and print characters.
#include "server/config/config_scanner.h"

#include <cstdint>

#include "proto/utf8.h"

namespace zats::server::config {
namespace {

// Decodes the UTF-8 sequence at s[0..]; returns its length (1 for invalid input) and the code
// point (U+FFFD for invalid input), like Go's utf8.DecodeRuneInString.
size_t decode_utf8(std::string_view s, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  uint32_t code_point = 0;
  const size_t len = proto::utf8_sequence_length(s, 0, &code_point);
  *cp = len == 0 ? 0xFFFD : code_point;
  return len == 0 ? 1 : len;
}

bool is_unicode_space(char32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace

void ConfigScanner::advance() {
  if (offset_ >= text_.size()) return;
  if (text_[offset_] == '\n') {
    ++line_;
    line_start_ = offset_ + 1;
  }
  ++offset_;
}

size_t ConfigScanner::char_length() const {
  if (at_end()) return 0;
  char32_t cp = 0;
  return decode_utf8(text_.substr(offset_), &cp);
}

size_t ConfigScanner::space_length() const {
  if (at_end()) return 0;
  char32_t cp = 0;
  const size_t len = decode_utf8(text_.substr(offset_), &cp);
  return is_unicode_space(cp) ? len : 0;
}

std::string ConfigScanner::describe_char() const {
  if (at_end()) return "EOF";
  if (text_[offset_] == '\n') return "\\n";
  return std::string(text_.substr(offset_, char_length()));
}

}  // namespace zats::server::config
