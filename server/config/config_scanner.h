// ConfigScanner: a byte cursor over configuration text that knows the line and column of
// every byte, recognises Unicode white space (Go's unicode.IsSpace) and renders the character
// under the cursor the way the reference's error messages do. Never reads out of bounds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/config/source_pos.h"

namespace zats::server::config {

class ConfigScanner {
 public:
  static constexpr int kEnd = -1;

  struct Mark {
    size_t offset = 0;
    int line = 1;
    int column = 1;
  };

  explicit ConfigScanner(std::string_view text) : text_(text) {}

  // The byte `ahead` bytes past the cursor (0..255), or kEnd.
  int peek(size_t ahead = 0) const {
    const size_t at = offset_ + ahead;
    return at < text_.size() ? static_cast<unsigned char>(text_[at]) : kEnd;
  }
  bool at_end() const { return offset_ >= text_.size(); }
  void advance();
  void advance(size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) advance();
  }

  size_t offset() const { return offset_; }
  int line() const { return line_; }
  int column() const { return static_cast<int>(offset_ - line_start_) + 1; }
  Mark mark() const { return Mark{offset_, line_, column()}; }
  std::string_view slice(size_t from, size_t to) const { return text_.substr(from, to - from); }
  std::string_view text() const { return text_; }

  // Length in bytes of the white-space character at the cursor, 0 when there is none.
  size_t space_length() const;
  // Length in bytes of the (UTF-8) character at the cursor; 1 for a stray byte, 0 at the end.
  size_t char_length() const;
  // The character at the cursor as the reference prints it in messages: the character itself,
  // "\n" written as backslash-n, and "EOF" at the end of the text.
  std::string describe_char() const;
  // The line the reference names for an error at this character: its lexer has already
  // consumed the character, so a newline under the cursor counts as the next line.
  int reference_line() const { return line_ + (peek() == '\n' ? 1 : 0); }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

inline SourcePos pos_of(const ConfigScanner::Mark& mark, const std::string& file) {
  return SourcePos{file, mark.line, mark.column};
}

}  // namespace zats::server::config
