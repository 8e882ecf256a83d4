// Go's strconv.Quote for the texts the reference quotes.
#include "server/config/go_quote.h"

namespace zats::server::config {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xf];
}

// Length of the UTF-8 sequence starting at text[i] (2..4), or 0 when it is not valid UTF-8.
size_t utf8_length(std::string_view text, size_t i, unsigned* rune) {
  const auto b = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  unsigned r = 0;
  unsigned min = 0;
  if ((b & 0xe0) == 0xc0) n = 2, r = b & 0x1f, min = 0x80;
  else if ((b & 0xf0) == 0xe0) n = 3, r = b & 0x0f, min = 0x800;
  else if ((b & 0xf8) == 0xf0) n = 4, r = b & 0x07, min = 0x10000;
  else return 0;
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    r = (r << 6) | (c & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return 0;
  *rune = r;
  return n;
}

// unicode.IsPrint for the runes outside ASCII that it refuses and a config may plausibly hold:
// C1 controls, spaces other than ' ', format characters, private use. (An approximation of
// Go's tables: other unassigned runes print as they are.)
bool is_printable(unsigned r) {
  if (r <= 0xa0 || r == 0xad || r == 0x1680 || r == 0x3000 || r == 0xfeff) return false;
  if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) || (r >= 0x205f && r <= 0x206f)) return false;
  if ((r >= 0xe000 && r <= 0xf8ff) || (r >= 0xfff9 && r <= 0xfffb) || r >= 0xf0000) return false;
  return true;
}

// Go's rune escape: backslash-u and 4 hex digits, backslash-U and 8 beyond the basic plane.
void append_rune_escape(std::string& out, unsigned r) {
  const int digits = r < 0x10000 ? 4 : 8;
  out += digits == 4 ? "\\u" : "\\U";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(r >> shift) & 0xf];
}

void append_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (c < 0x20 || c == 0x7f) return append_hex_byte(out, c);
  out += static_cast<char>(c);
}

}  // namespace

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      append_ascii(out, c);
      ++i;
      continue;
    }
    unsigned rune = 0;
    const size_t n = utf8_length(text, i, &rune);
    if (n == 0) {
      append_hex_byte(out, c);
      ++i;
      continue;
    }
    if (!is_printable(rune)) {
      append_rune_escape(out, rune);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

}  // namespace zats::server::config
