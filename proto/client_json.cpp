// parse_client_json (see client_json.h). The common case is one simdjson parse. Only when
// simdjson refuses a string (bad UTF-8, an unpaired surrogate) are the strings rewritten as Go
// would decode them, and the result parsed once more.
#include "proto/client_json.h"

#include <cstdint>
#include <string>

#include "proto/hex.h"
#include "proto/utf8.h"

namespace zats::proto {

namespace {

constexpr size_t kInitialCapacity = 4096;

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  thread_local bool allocated = false;
  if (!allocated) {
    // The depth is fixed here; later parses grow the capacity and keep it.
    allocated = parser.allocate(kInitialCapacity, kMaxJsonDepth) == simdjson::SUCCESS;
  }
  return parser;
}

// The code unit of the escape "\uXXXX" at s[i], or -1 when there is none.
int32_t u_escape_at(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int32_t value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int digit = hex_digit_value(s[k]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

bool is_high_surrogate(int32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(int32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

// Rewrites the escape at s[i] (a backslash inside a string) into out; returns its length. An
// escaped surrogate without its partner becomes \ufffd, as Go decodes it.
size_t rewrite_escape(std::string_view s, size_t i, std::string& out, bool* changed) {
  const int32_t u = u_escape_at(s, i);
  if (u < 0) {
    out.append(s.substr(i, 2));  // any other escape, or a malformed one (still an error)
    return 2;
  }
  if (is_high_surrogate(u) && is_low_surrogate(u_escape_at(s, i + 6))) {
    out.append(s.substr(i, 12));
    return 12;
  }
  if (is_high_surrogate(u) || is_low_surrogate(u)) {
    out.append("\\ufffd");
    *changed = true;
  } else {
    out.append(s.substr(i, 6));
  }
  return 6;
}

// Go's reading of strings, written back as JSON simdjson takes: invalid UTF-8 as U+FFFD, one
// per bad byte, and unpaired surrogate escapes as \ufffd. Bytes outside strings are left alone
// (anything wrong there is an error for Go too). False when nothing needed rewriting.
bool rewrite_strings_as_go(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size() + 16);
  bool changed = false;
  bool in_string = false;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!in_string) {
      in_string = c == '"';
      out.push_back(s[i++]);
    } else if (c == '\\' && i + 1 < s.size()) {
      i += rewrite_escape(s, i, out, &changed);
    } else if (c >= 0x80) {
      uint32_t code_point = 0;
      const size_t length = utf8_sequence_length(s, i, &code_point);
      if (length == 0) {
        out.append(kReplacementCharacter);
        changed = true;
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
    } else {
      in_string = c != '"';
      out.push_back(s[i++]);
    }
  }
  return changed;
}

}  // namespace

simdjson::error_code parse_client_json(std::string_view json, simdjson::dom::element* root) {
  simdjson::dom::parser& parser = thread_parser();
  const simdjson::error_code error = parser.parse(json.data(), json.size(), true).get(*root);
  if (error != simdjson::UTF8_ERROR && error != simdjson::STRING_ERROR) return error;
  thread_local std::string rewritten;
  if (!rewrite_strings_as_go(json, rewritten)) return error;
  return parser.parse(rewritten.data(), rewritten.size(), true).get(*root);
}

}  // namespace zats::proto
