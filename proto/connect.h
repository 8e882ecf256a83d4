// ConnectOptions: the CONNECT JSON (docs/compatibility.md, CONNECT), parsed with simdjson on top of
// the reference's defaults (verbose, pedantic and echo true). Unknown fields are ignored; fields of
// the wrong JSON type make the whole CONNECT invalid, as in Go.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zats::proto {

struct ConnectOptions {
  bool verbose = true;
  bool pedantic = true;
  bool echo = true;
  bool tls_required = false;
  bool headers = false;
  bool no_responders = false;
  int64_t protocol = 0;
  std::string auth_token;
  std::string user;
  std::string pass;
  std::string name;
  std::string lang;
  std::string version;
  std::string jwt;
  std::string nkey;
  std::string sig;
  bool has_account = false;  // "account" or "new_account" present: always an auth violation
};

// Returns nullopt when the JSON is invalid (the server then closes with no -ERR).
std::optional<ConnectOptions> parse_connect(std::string_view json);
// A second CONNECT on the same connection applies on top of the options in force (Go
// unmarshals into the client's current options), not on top of the defaults.
std::optional<ConnectOptions> parse_connect(std::string_view json, const ConnectOptions& base);

}  // namespace zats::proto
