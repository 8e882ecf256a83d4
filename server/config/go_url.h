// GoUrl: a URL as Go's net/url Parse reads it, for route URLs (`cluster { routes }`, --routes)
// and the cluster listen URL (--cluster): what it accepts and refuses decides which
// configurations nats-server takes, and its error texts are printed as they are
// (`parse "nats://h:x": invalid port ":x" after host`). Any scheme is accepted, as there.
#pragma once

#include <string>
#include <string_view>

namespace zats::server::config {

struct GoUrl {
  std::string scheme;  // lowercased; empty when there is none
  std::string opaque;  // "scheme:rest" without "//"
  bool has_user = false;
  std::string username;  // %-decoded
  bool has_password = false;
  std::string password;  // %-decoded
  std::string host;      // "host[:port]", brackets kept, %-decoded (URL.Host)
  std::string path;      // %-decoded
  std::string raw_path;  // as written (Go keeps it when it differs from the default escaping)
  bool force_query = false;
  std::string raw_query;
  std::string fragment;      // %-decoded
  std::string raw_fragment;  // as written

  // URL.Hostname() and URL.Port(): the host without brackets, the port digits ("" if none).
  std::string hostname() const;
  std::string port() const;

  bool operator==(const GoUrl&) const = default;
};

// url.Parse: empty on success, else Go's error text, e.g. `parse "x": missing protocol scheme`.
std::string parse_go_url(std::string_view text, GoUrl* out);

}  // namespace zats::server::config
