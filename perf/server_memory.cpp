// Reading a server's memory use from /proc or from its monitoring port.
#include "perf/server_memory.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "perf/endpoint.h"

namespace zats::perf {

std::optional<uint64_t> rss_bytes(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  return std::nullopt;
}

std::optional<uint64_t> varz_mem_bytes(const std::string& monitor) {
  auto ep = parse_endpoint(monitor);
  if (!ep) return std::nullopt;
  if (monitor.find(':', monitor.find("://") == std::string::npos ? 0 : monitor.find("://") + 3) ==
      std::string::npos)
    ep->port = 8222;
  int fd = connect_blocking(*ep);
  if (fd < 0) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const std::string req = "GET /varz HTTP/1.0\r\nHost: " + ep->host + "\r\nConnection: close\r\n\r\n";
  std::string body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0 && body.size() < (8u << 20);)
      body.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto at = body.find("\"mem\"");
  if (at == std::string::npos) return std::nullopt;
  at = body.find(':', at);
  if (at == std::string::npos) return std::nullopt;
  return std::strtoull(body.c_str() + at + 1, nullptr, 10);
}

}  // namespace zats::perf
