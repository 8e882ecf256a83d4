// TCP listening sockets for the workers: one per worker, SO_REUSEPORT so the kernel
// spreads new connections over them.
#pragma once

#include <string>

namespace zats::core {

// Binds and listens on host:port (host may be an IPv4 or IPv6 literal, "0.0.0.0", "::" or a
// name). port 0 picks a free port. Returns the fd, or -1 with `error` set to a message like
// nats-server's ("listen tcp 127.0.0.1:4222: bind: address already in use").
int listen_tcp(const std::string& host, int port, bool reuse_port, std::string* error);
// The port a listening socket is bound to.
int bound_port(int fd);
// "ip" and port of a connected socket's peer.
bool peer_address(int fd, std::string* ip, int* port);
// "host:port", an IPv6 host in brackets ("[::1]:4222"), as Go's net.JoinHostPort writes it.
std::string join_host_port(const std::string& host, int port);
// Whether `host` is an IPv4 or IPv6 address literal (not a name), as Go's net.ParseIP decides.
bool is_ip_literal(const std::string& host);

}  // namespace zats::core
