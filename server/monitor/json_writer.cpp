// JsonWriter (see json_writer.h): Go encoding/json compatible output.
#include "server/monitor/json_writer.h"

#include <charconv>

#include "server/monitor/go_format.h"

namespace zats::server::monitor {

void JsonWriter::newline_indent(std::size_t depth) {
  if (!pretty_) return;
  out_ += '\n';
  out_.append(depth * 2, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (counts_.empty()) return;
  if (counts_.back()++ > 0) out_ += ',';
  newline_indent(counts_.size());
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  counts_.push_back(0);
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  counts_.push_back(0);
  return *this;
}

void JsonWriter::close(char c) {
  std::size_t n = counts_.back();
  counts_.pop_back();
  // Go prints empty containers as "{}" / "[]" with nothing inside.
  if (n > 0) newline_indent(counts_.size());
  out_ += c;
}

JsonWriter& JsonWriter::end_object() {
  close('}');
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  write_string(k);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  write_string(s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  before_value();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v) {
  before_value();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  before_value();
  out_ += format_json_float(v);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

// Go escapes control bytes, quote and backslash, and also <, > and & (HTML-safe), plus the
// JavaScript line separators U+2028/U+2029 so JSONP output stays valid script.
void JsonWriter::write_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto ch = static_cast<unsigned char>(s[i]);
    switch (ch) {
      case '"': out_ += "\\\""; continue;
      case '\\': out_ += "\\\\"; continue;
      case '\n': out_ += "\\n"; continue;
      case '\r': out_ += "\\r"; continue;
      case '\t': out_ += "\\t"; continue;
      default: break;
    }
    if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
      out_ += "\\u00";
      out_ += kHex[ch >> 4];
      out_ += kHex[ch & 0xf];
    } else if (ch == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      out_ += (static_cast<unsigned char>(s[i + 2]) == 0xa8) ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out_ += static_cast<char>(ch);
    }
  }
  out_ += '"';
}

}  // namespace zats::server::monitor
