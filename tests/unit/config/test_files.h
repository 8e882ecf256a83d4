// Helpers for the config tests: a temporary directory that cleans up after itself, and
// one-line parse helpers that fail the current test when the outcome is not the expected one.
#pragma once

#include <string>
#include <string_view>

#include "server/config/config_value.h"

namespace zats::server::config::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name (creating sub-folders) and returns the full path.
  std::string write(const std::string& name, std::string_view content) const;

 private:
  std::string path_;
};

// Parses `text` as file "t.conf"; the test fails (and an empty map comes back) on error.
ConfigValue parse_ok(std::string_view text);
// Parses `text` as file "t.conf" expecting failure; returns the error ("" and a failed test
// when it parsed).
std::string parse_error(std::string_view text);

}  // namespace zats::server::config::testing
