// Worker::report and the closed-connections record: the monitoring side of a worker. Runs on
// the worker's thread (posted through the mailbox), never on the hot path.
#include <algorithm>

#include "core/clock.h"
#include "server/worker.h"
#include "server/worker_report.h"

namespace zats::server {
namespace {

// The reference keeps the last 10000 closed connections; each worker keeps its share.
constexpr size_t kClosedConnections = 10000;

monitor::SublistStats sublist_stats(const Sublist& sl) {
  SublistStats s = sl.stats();
  monitor::SublistStats out;
  out.num_subscriptions = static_cast<uint32_t>(sl.count());
  out.num_cache = static_cast<uint32_t>(s.cache_size);
  out.num_inserts = s.inserts;
  out.num_removes = s.removes;
  out.num_matches = s.matches;
  out.cache_hit_rate = s.matches ? static_cast<double>(s.cache_hits) / static_cast<double>(s.matches) : 0;
  return out;
}

}  // namespace

int64_t Worker::wall_ns(uint64_t monotonic_ns) const {
  return wall_offset_ns_ + static_cast<int64_t>(monotonic_ns);
}

void Worker::start_wall_clock() {
  wall_offset_ns_ = core::realtime_ns() - static_cast<int64_t>(core::monotonic_ns());
}

void Worker::record_closed(const Client& client) {
  size_t keep = std::max<size_t>(1, kClosedConnections / context_.mesh.size());
  while (closed_.size() >= keep) closed_.pop_front();
  // As nats-server saves a closed connection: its certificates are not kept.
  monitor::ConnectionInfo info = client.connection_info(/*with_subs=*/true, /*with_auth_details=*/false);
  info.stop = wall_ns(now_ns());
  info.reason = std::string(close_reason_text(client.close_reason()));
  closed_.push_back(std::move(info));
  const AccountId account = client.account();
  if (account == kNoAccount) return;
  if (closed_traffic_.size() <= account) closed_traffic_.resize(account + 1);
  closed_traffic_[account] += client.traffic();
}

void Worker::report(const monitor::SnapshotRequest& what, WorkerReport& out) {
  const core::ReactorStats& rs = reactor_.stats();
  out.options = options_;
  out.stats.worker = static_cast<int>(index_);
  out.stats.loop_turns = rs.turns;
  out.stats.utilisation = rs.run_ns ? 1.0 - static_cast<double>(rs.sleep_ns) / static_cast<double>(rs.run_ns) : 0;
  if (out.stats.utilisation < 0) out.stats.utilisation = 0;
  out.stats.ring_backpressure = stats_.mesh_backpressure;
  out.stats.recv_buffers = rs.recv_buffers;
  out.stats.recv_out_of_buffers = rs.recv_out_of_buffers;
  out.stats.recv_buffer_resident_bytes = reactor_.recv_buffer_resident_bytes();
  out.stats.recv_buffer_releases = rs.recv_buffer_releases;
  out.stats.registered_sockets = rs.registered_sockets;
  out.stats.connections_moved_in = stats_.connections_moved_in;
  out.stats.connections_moved_out = stats_.connections_moved_out;
  out.stats.moves_given_up = stats_.moves_given_up;
  out.in_msgs = static_cast<int64_t>(stats_.in_msgs);
  out.out_msgs = static_cast<int64_t>(stats_.out_msgs);
  out.in_bytes = static_cast<int64_t>(stats_.in_bytes);
  out.out_bytes = static_cast<int64_t>(stats_.out_bytes);
  out.slow_consumers = static_cast<int64_t>(stats_.slow_consumers);
  out.account_connections.assign(accounts_.size(), 0);
  out.account_subscriptions.assign(accounts_.size(), 0);
  out.account_traffic = closed_traffic_;
  out.account_traffic.resize(std::max(out.account_traffic.size(), accounts_.size()));
  for (size_t a = 0; a < accounts_.size(); ++a) {
    const LocalAccount& acc = *accounts_[a];
    out.subscriptions += static_cast<uint32_t>(acc.sublist.count());
    out.account_subscriptions[a] = static_cast<uint32_t>(acc.sublist.count());
    SublistStats s = acc.sublist.stats();
    out.stats.match_cache_hits += s.cache_hits;
    out.stats.match_cache_misses += s.matches - s.cache_hits;
    monitor::SublistStats stats = sublist_stats(acc.sublist);
    if (what.sublist_stats) out.sublist += stats;
    out.account_sublist.push_back(stats);
  }
  for (const auto& c : connections_)
    if (c) c->report(what, out);
  if (what.closed_connections) out.closed.assign(closed_.begin(), closed_.end());
}

}  // namespace zats::server
