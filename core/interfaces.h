// The addresses of this host's network interfaces, for the URLs a server advertises when it
// listens on every interface (0.0.0.0 or ::) and for recognising a route to itself.
#pragma once

#include <string>
#include <vector>

namespace zats::core {

struct InterfaceAddress {
  std::string ip;      // textual, IPv6 without brackets
  bool loopback = false;
  bool ipv6 = false;
  bool global_unicast = false;  // not loopback, link-local, multicast or unspecified
};

std::vector<InterfaceAddress> interface_addresses();

}  // namespace zats::core
