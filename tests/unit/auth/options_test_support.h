// Test helper: applies a configuration text onto fresh Options.
#pragma once

#include <string>

#include "server/config/config_parser.h"
#include "server/config/options_config.h"

namespace zats::server::test {

struct Applied {
  Options options;
  config::OptionsDiagnostics diag;
};

inline Applied apply_text(const std::string& text) {
  Applied out;
  config::ConfigValue root;
  std::string error;
  if (!config::parse_config_string(text, "t.conf", &root, &error)) {
    out.diag.errors.push_back(error);
    return out;
  }
  config::apply_config(root, out.options, out.diag);
  return out;
}

// The one error (or "" when there is none, or several joined).
inline std::string only_error(const Applied& a) {
  std::string out;
  for (const std::string& e : a.diag.errors) out += (out.empty() ? "" : " | ") + e;
  return out;
}

}  // namespace zats::server::test
