#include "core/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace zats::core {

std::vector<InterfaceAddress> interface_addresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    InterfaceAddress a;
    if (it->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
      const uint32_t host = ntohl(sin->sin_addr.s_addr);
      a.loopback = (host >> 24) == 127;
      const bool link_local = (host >> 16) == 0xA9FE;  // 169.254/16
      const bool multicast = (host >> 28) == 0xE;
      a.global_unicast = !a.loopback && !link_local && !multicast && host != 0 && host != 0xFFFFFFFF;
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      ::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
      a.ipv6 = true;
      a.loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
      a.global_unicast = !a.loopback && !IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
                         !IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) && !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
    } else {
      continue;
    }
    a.ip = text;
    out.push_back(std::move(a));
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace zats::core
