// RouteConnect: the CONNECT a server sends on a route it dialled (docs/compatibility.md,
// Clustering), its encoder in the reference's field order, and the decoder the accepting
// side uses. A CONNECT with a "lang" comes from a client that dialled the route port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zats::proto {

struct RouteConnect {
  bool echo = true;
  bool verbose = false;
  bool pedantic = false;
  std::string user;          // omitempty
  std::string pass;          // omitempty
  bool tls_required = false;
  bool headers = true;
  std::string name;          // the dialling server's id
  std::string cluster;
  bool cluster_dynamic = false;  // omitempty
  bool lnoc = false;             // omitempty
  std::string gateway;       // omitempty; set only by a gateway that dialled the wrong port
  std::string lang;          // never sent by a server
};

// Appends "CONNECT {json}\r\n".
void append_route_connect(std::string& out, const RouteConnect& connect);
// nullopt when the JSON is invalid or a known field has the wrong type.
std::optional<RouteConnect> parse_route_connect(std::string_view json);

}  // namespace zats::proto
