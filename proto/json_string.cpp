// append_json_string (see json_string.h): Go 1.19's encoding/json string encoding, HTML escaping
// on, as json.Marshal and json.MarshalIndent use it.
#include "proto/json_string.h"

#include <cstdint>

#include "proto/hex.h"
#include "proto/utf8.h"

namespace zats::proto {

namespace {

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
      append_hex(out, c, 2);
  }
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
    const size_t length = utf8_sequence_length(s, i, &code_point);
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
