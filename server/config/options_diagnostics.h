// OptionsDiagnostics: what mapping a configuration file onto Options found wrong. Errors stop
// the server; warnings are printed and the server runs (but `-t` fails), as nats-server does.
// Each text is "file:line:col: problem" with the column nats-server prints.
#pragma once

#include <string>
#include <vector>

namespace zats::server::config {

struct OptionsDiagnostics {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::vector<std::string> ignored;  // keys accepted without effect (logged at debug level)

  bool ok() const { return errors.empty(); }
  // Warnings first, then errors, one per line (each ending in '\n'), like processConfigErr.
  std::string to_string() const {
    std::string out;
    for (const std::string& w : warnings) out += w + "\n";
    for (const std::string& e : errors) out += e + "\n";
    return out;
  }
};

}  // namespace zats::server::config
