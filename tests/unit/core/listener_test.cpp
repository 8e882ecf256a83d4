// listen_tcp / bound_port / peer_address: loopback only.
#include "core/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <string>

using namespace zats::core;

namespace {

int connect_v4(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_v6(int port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(uint16_t(port));
  a.sin6_addr = in6addr_loopback;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool ipv6_loopback_available() {
  std::string err;
  int fd = listen_tcp("::1", 0, false, &err);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace

TEST_CASE("listen_tcp on 127.0.0.1:0 picks a free port and accepts") {
  std::string err;
  int lfd = listen_tcp("127.0.0.1", 0, false, &err);
  REQUIRE_MESSAGE(lfd >= 0, err);
  int port = bound_port(lfd);
  CHECK(port > 0);
  int c = connect_v4(port);
  REQUIRE(c >= 0);
  int s = ::accept(lfd, nullptr, nullptr);
  REQUIRE(s >= 0);
  std::string ip;
  int peer_port = 0;
  REQUIRE(peer_address(s, &ip, &peer_port));
  CHECK(ip == "127.0.0.1");
  CHECK(peer_port > 0);
  ::close(s);
  ::close(c);
  ::close(lfd);
}

TEST_CASE("listen_tcp reports a busy port like nats-server") {
  std::string err;
  int first = listen_tcp("127.0.0.1", 0, false, &err);
  REQUIRE(first >= 0);
  int port = bound_port(first);
  int second = listen_tcp("127.0.0.1", port, false, &err);
  CHECK(second == -1);
  CHECK(err == "listen tcp 127.0.0.1:" + std::to_string(port) + ": bind: address already in use");
  ::close(first);
}

TEST_CASE("listen_tcp with reuse_port lets several workers share a port") {
  std::string err;
  int a = listen_tcp("127.0.0.1", 0, true, &err);
  REQUIRE_MESSAGE(a >= 0, err);
  int port = bound_port(a);
  int b = listen_tcp("127.0.0.1", port, true, &err);
  CHECK_MESSAGE(b >= 0, err);
  CHECK(bound_port(b) == port);
  ::close(b);
  ::close(a);
}

TEST_CASE("listen_tcp resolves a host name") {
  std::string err;
  int fd = listen_tcp("localhost", 0, false, &err);
  REQUIRE_MESSAGE(fd >= 0, err);
  CHECK(bound_port(fd) > 0);
  ::close(fd);
}

TEST_CASE("listen_tcp on 0.0.0.0 accepts IPv4 and gives the v4 form of the peer") {
  std::string err;
  int lfd = listen_tcp("0.0.0.0", 0, false, &err);
  REQUIRE_MESSAGE(lfd >= 0, err);
  int port = bound_port(lfd);
  int c = connect_v4(port);
  REQUIRE(c >= 0);
  int s = ::accept(lfd, nullptr, nullptr);
  REQUIRE(s >= 0);
  std::string ip;
  int peer_port = 0;
  REQUIRE(peer_address(s, &ip, &peer_port));
  CHECK(ip == "127.0.0.1");  // not ::ffff:127.0.0.1
  ::close(s);
  ::close(c);
  if (ipv6_loopback_available()) {
    int c6 = connect_v6(port);  // dual-stack, as Go listens
    CHECK(c6 >= 0);
    if (c6 >= 0) {
      int s6 = ::accept(lfd, nullptr, nullptr);
      REQUIRE(s6 >= 0);
      REQUIRE(peer_address(s6, &ip, &peer_port));
      CHECK(ip == "::1");
      ::close(s6);
      ::close(c6);
    }
  }
  ::close(lfd);
}

TEST_CASE("listen_tcp on an IPv6 literal") {
  if (!ipv6_loopback_available()) return;  // no IPv6 on this host: nothing to check
  std::string err;
  int lfd = listen_tcp("::1", 0, false, &err);
  REQUIRE_MESSAGE(lfd >= 0, err);
  int port = bound_port(lfd);
  int busy = listen_tcp("::1", port, false, &err);
  CHECK(busy == -1);
  CHECK(err == "listen tcp [::1]:" + std::to_string(port) + ": bind: address already in use");
  ::close(lfd);
}

TEST_CASE("listen_tcp rejects an address that is not local and a bad port") {
  std::string err;
  CHECK(listen_tcp("192.0.2.1", 0, false, &err) == -1);  // TEST-NET-1, never ours
  CHECK(err == "listen tcp 192.0.2.1:0: bind: cannot assign requested address");
  CHECK(listen_tcp("127.0.0.1", 70000, false, &err) == -1);
  CHECK(err == "listen tcp: address 70000: invalid port");
}

TEST_CASE("peer_address fails on a socket that is not connected") {
  std::string err;
  int lfd = listen_tcp("127.0.0.1", 0, false, &err);
  REQUIRE(lfd >= 0);
  std::string ip;
  int port = 0;
  CHECK_FALSE(peer_address(lfd, &ip, &port));
  ::close(lfd);
}
