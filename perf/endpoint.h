// Endpoint: a server address given as host:port or nats://[user:pass@]host:port.
// Parsing is pure; connect_blocking() opens a TCP_NODELAY socket or returns -1
// with errno set, so every perf tool accepts the same address forms.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zats::perf {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 4222;
  std::string user, pass;  // from nats://user:pass@host, sent in CONNECT
};

// Accepts "host:port", "nats://host:port", "nats://user:pass@host:port", "host"
// (default port 4222) and "[v6]:port". Returns nullopt on a malformed port.
std::optional<Endpoint> parse_endpoint(std::string_view url);

// The first address the host resolves to; false when it does not resolve.
bool resolve(const Endpoint& ep, sockaddr_storage& out, socklen_t& len);

// Blocking connect with TCP_NODELAY; returns the fd or -1.
int connect_blocking(const Endpoint& ep);

}  // namespace zats::perf
