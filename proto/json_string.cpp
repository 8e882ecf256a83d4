// append_json_string: a JSON string literal escaped byte for byte as Go 1.19's
// encoding/json does with HTML escaping on (the default): ", \, \n, \r, \t as two-char
// escapes; other control chars and <, >, & as \u00XX; U+2028/U+2029 escaped; invalid
// UTF-8 replaced by \ufffd.
#include "proto/encode.h"

namespace zats::proto {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool needs_ascii_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&';
}

void append_ascii_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    default:
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
  }
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at s[i] (>= 0x80), or 0 when invalid
// (the same rules as Go's utf8.DecodeRuneInString: no overlongs, no surrogates, <= U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i, uint32_t& code_point) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = at(i);
  size_t length = 0;
  uint32_t min_value = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min_value = 0x80, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min_value = 0x800, code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min_value = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if (!is_continuation(at(i + k))) return 0;
    code_point = (code_point << 6) | (at(i + k) & 0x3F);
  }
  if (code_point < min_value || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (needs_ascii_escape(c)) {
        append_ascii_escape(out, c);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    uint32_t code_point = 0;
    const size_t length = utf8_sequence_length(s, i, code_point);
    if (length == 0) {
      out.append("\\ufffd");
      ++i;
    } else if (code_point == 0x2028 || code_point == 0x2029) {
      out.append(code_point == 0x2028 ? "\\u2028" : "\\u2029");
      i += length;
    } else {
      out.append(s.substr(i, length));
      i += length;
    }
  }
  out.push_back('"');
}

}  // namespace zats::proto
