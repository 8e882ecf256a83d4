// ServerContext: what all workers share and read: the immutable Options, the server's
// identity and INFO template, and the few counters that change per connection (never per
// message): the next client id and the number of open connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "proto/info.h"
#include "server/options.h"

namespace zats::server {

struct ServerContext {
  explicit ServerContext(const Options& opts);

  const Options& options;
  std::string server_id;         // 56 chars, 'N' + base32, like a server nkey
  proto::ServerInfo info;        // template; client_id/client_ip are filled per connection

  std::atomic<uint64_t> next_cid{1};
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> total_connections{0};
};

// A random 56-character id in the alphabet of nkeys, starting with 'N' like nats-server's.
std::string make_server_id();

}  // namespace zats::server
