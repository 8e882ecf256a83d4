// ServerContext: what all workers share: the start-up Options (workers hold the current
// ones, see Worker::options()), the server's identity and
// INFO template, the interest index and the mesh between workers, and the few counters that
// change per connection (never per message): the next client id and open connections.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/uring_features.h"
#include "proto/info.h"
#include "server/account.h"
#include "server/interest_index.h"
#include "server/mesh.h"
#include "server/options.h"
#include "server/tls/connection_rate_limit.h"

namespace zats::server {

class Worker;
class SystemServices;

struct ServerContext {
  ServerContext(const Options& opts, unsigned workers);

  const Options& options;  // as at start (host, port, accounts: what a reload cannot change)
  // The same options, shared: each worker starts with it, then follows reloads.
  std::shared_ptr<const Options> initial_options;
  std::string server_id;         // 56 chars, 'N' + base32, like a server nkey
  proto::ServerInfo info;        // template; client_id/client_ip are filled per connection

  AccountTable accounts;
  // The system account (kNoAccount: none, no_system_account); a reload cannot change it.
  AccountId system_account = kNoAccount;
  // Which workers and remote destinations have interest in what, one index per account.
  // Unused (and never touched) by a single worker without clustering: see indexed.
  std::vector<std::unique_ptr<InterestIndex>> interest;
  // Whether publishes consult the interest index: with several workers, or with routes.
  bool indexed = false;
  Mesh mesh;
  std::vector<Worker*> workers;  // set before any worker thread starts
  // The system account's monitoring services (null: none); set before any worker exists.
  SystemServices* system_services = nullptr;
  // Which worker owns each remote destination (route slot); -1 while the slot is free. A
  // publisher reads it to hand a message to the owner; the owner sets it before the remote's
  // interest enters an index and clears it after that interest is gone.
  std::array<std::atomic<int32_t>, kMaxRemotes> remote_owner;

  // tls { connection_rate_limit } (null: none); fixed at start, as nats-server's.
  std::unique_ptr<tls::ConnectionRateLimit> tls_rate_limit;

  // The io_uring features every worker's reactor uses: the kernel's, narrowed to
  // options.io_uring_tier (Server::start).
  core::UringFeatures uring;

  // Connections moving between workers (worker_handover.cpp): one at a time server-wide; by
  // worker, the finished moves away from it (a vote for that worker counted before one is stale).
  std::atomic<bool> moving{false};
  std::vector<std::atomic<uint64_t>> moves_from;
  std::atomic<uint64_t> next_move_id{1};

  std::atomic<uint64_t> next_cid{1};
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> pinned_account_fails{0};  // logins refused by resolver_pinned_accounts
  std::atomic<uint64_t> event_seq{0};             // the system account events sent (their "seq")
  // Client connections per account (by AccountId), for account JWTs' limits.conn and the system
  // services' account connection events.
  std::unique_ptr<std::atomic<int64_t>[]> account_connections;
};

// A random 56-character id in the alphabet of nkeys, starting with 'N' like nats-server's.
std::string make_server_id();

}  // namespace zats::server
