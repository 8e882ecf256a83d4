// TCP listening sockets: getaddrinfo for literals and names, SO_REUSEADDR (+ SO_REUSEPORT when
// asked), dual-stack for "::", and error texts shaped like Go's net.Listen errors.
#include "core/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

namespace zats::core {
namespace {

constexpr int kBacklog = 65535;  // the kernel clamps it to net.core.somaxconn

// Go prints errno texts in lower case ("address already in use").
std::string errno_text(int err) {
  std::string text = strerror(err);
  if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string listen_error(const std::string& host, int port, const char* step, int err) {
  return "listen tcp " + join_host_port(host, port) + ": " + step + ": " + errno_text(err);
}

int open_listener(const addrinfo& ai, bool reuse_port, const char** step) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) {
    *step = "socket";
    return -1;
  }
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    *step = "setsockopt";
  } else if (ai.ai_family == AF_INET6 &&
             setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0) {
    *step = "setsockopt";
  } else if (::bind(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    *step = "bind";
  } else if (::listen(fd, kBacklog) != 0) {
    *step = "listen";
  } else {
    return fd;
  }
  int err = errno;
  ::close(fd);
  errno = err;
  return -1;
}

// Go listens dual-stack on [::] for any wildcard ("", "0.0.0.0", "::") when the host has
// IPv6, so IPv6 clients reach a server configured with the default 0.0.0.0.
int listen_wildcard(const std::string& host, int port, bool reuse_port, std::string* error) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_addr = in6addr_any;
  v6.sin6_port = htons(uint16_t(port));
  addrinfo ai{};
  ai.ai_family = AF_INET6;
  ai.ai_socktype = SOCK_STREAM;
  ai.ai_addr = reinterpret_cast<sockaddr*>(&v6);
  ai.ai_addrlen = sizeof v6;
  const char* step = "bind";
  int fd = open_listener(ai, reuse_port, &step);
  if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)) {
    if (fd < 0) *error = listen_error(host, port, step, errno);
    return fd;
  }
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_ANY);
  v4.sin_port = htons(uint16_t(port));
  ai.ai_family = AF_INET;
  ai.ai_addr = reinterpret_cast<sockaddr*>(&v4);
  ai.ai_addrlen = sizeof v4;
  fd = open_listener(ai, reuse_port, &step);
  if (fd < 0) *error = listen_error(host, port, step, errno);
  return fd;
}

}  // namespace

int listen_tcp(const std::string& host, int port, bool reuse_port, std::string* error) {
  if (port < 0 || port > 65535) {
    // Go names no address here: the port fails before there is one.
    *error = "listen tcp: address " + std::to_string(port) + ": invalid port";
    return -1;
  }
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    return listen_wildcard(host, port, reuse_port, error);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    const bool no_host = rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_AGAIN;
    *error = "listen tcp: lookup " + host + ": " + (no_host ? "no such host" : gai_strerror(rc));
    return -1;
  }
  // Go listens on the first address a name resolves to, IPv4 first.
  const addrinfo* chosen = list;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      chosen = ai;
      break;
    }
  }
  const char* step = "bind";
  int fd = open_listener(*chosen, reuse_port, &step);
  int err = errno;
  freeaddrinfo(list);
  if (fd < 0) *error = listen_error(host, port, step, err);
  return fd;
}

bool is_ip_literal(const std::string& host) {
  in6_addr v6;
  in_addr v4;
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string join_host_port(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

bool peer_address(int fd, std::string* ip, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    *port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof text);  // the v4 form
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    }
    *port = ntohs(v6->sin6_port);
  } else {
    return false;
  }
  *ip = text;
  return true;
}

}  // namespace zats::core
