// SourcePos: where a config value or error sits (file, line, column). Columns are 1-based byte
// offsets; reference_column() gives the number nats-server prints for the same spot, which is
// 0-based on the first line of a file and 1-based after it (its lexer counts from the newline).
#pragma once

#include <string>

namespace zats::server::config {

struct SourcePos {
  std::string file;  // as given or as joined for an include; empty for parsed strings
  int line = 0;      // 1-based; 0 means "no position" (e.g. a file that could not be opened)
  int column = 0;    // 1-based, in bytes

  int reference_column() const { return line == 1 ? column - 1 : column; }

  // "file:line:col" (or "line:col" without a file); empty when there is no position.
  std::string to_string() const;
};

}  // namespace zats::server::config
