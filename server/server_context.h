// ServerContext: what all workers share: the start-up Options (workers hold the current
// ones, see Worker::options()), the server's identity and
// INFO template, the interest index and the mesh between workers, and the few counters that
// change per connection (never per message): the next client id and open connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proto/info.h"
#include "server/account.h"
#include "server/interest_index.h"
#include "server/mesh.h"
#include "server/options.h"

namespace zats::server {

class Worker;

struct ServerContext {
  ServerContext(const Options& opts, unsigned workers);

  const Options& options;  // as at start (host, port, accounts: what a reload cannot change)
  // The same options, shared: each worker starts with it, then follows reloads.
  std::shared_ptr<const Options> initial_options;
  std::string server_id;         // 56 chars, 'N' + base32, like a server nkey
  proto::ServerInfo info;        // template; client_id/client_ip are filled per connection

  AccountTable accounts;
  // Which workers have interest in what, one index per account. Unused (and never touched)
  // with a single worker.
  std::vector<std::unique_ptr<InterestIndex>> interest;
  Mesh mesh;
  std::vector<Worker*> workers;  // set before any worker thread starts

  std::atomic<uint64_t> next_cid{1};
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> total_connections{0};
};

// A random 56-character id in the alphabet of nkeys, starting with 'N' like nats-server's.
std::string make_server_id();

}  // namespace zats::server
