// host:port strings the way nats-server reads them, with its error texts: Go's
// net.SplitHostPort ("address x:y:z: too many colons in address"), strconv.Atoi
// (`strconv.Atoi: parsing "x": invalid syntax`), and the server's parseHostPort used for
// advertise addresses (a missing port, 0 or -1 means the default port).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zats::server::config {

// net.SplitHostPort: "host:port", "[v6]:port", ":port". Empty on success, else Go's error.
std::string split_host_port(std::string_view hostport, std::string* host, std::string* port);

// strconv.Atoi on a 64-bit machine: an optional sign and decimal digits. Empty on success.
std::string go_atoi(std::string_view text, int64_t* out);

// The server's parseHostPort: split_host_port, retried with `default_port` appended when the
// port is missing; the port (trimmed) through go_atoi; 0 and -1 become `default_port`.
std::string parse_host_port(std::string_view hostport, int default_port, std::string* host, int64_t* port);

// Go's strings.TrimSpace for ASCII white space.
std::string_view trim_space(std::string_view text);

}  // namespace zats::server::config
