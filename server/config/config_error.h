// ConfigError: why a configuration could not be read. `message` is the reference server's own
// wording (e.g. "Parse error on line 2: 'Unexpected EOF processing map.'"); to_string() prefixes
// the position as "file:line:col: " so a human can find the spot.
#pragma once

#include <string>

#include "server/config/source_pos.h"

namespace zats::server::config {

struct ConfigError {
  SourcePos pos;
  std::string message;

  std::string to_string() const {
    std::string where = pos.to_string();
    return where.empty() ? message : where + ": " + message;
  }
};

}  // namespace zats::server::config
