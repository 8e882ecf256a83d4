// MonitorSource: the server's side of monitoring. It answers a snapshot request by posting a
// task to every worker's mailbox (each fills its WorkerReport on its own thread), waits for
// them with a bound, and sums the per-worker counters: nothing on the hot path is shared or
// locked for monitoring. Runs on the monitoring HTTP thread.
#pragma once

#include <chrono>
#include <functional>

#include "server/monitor/process_usage.h"
#include "server/monitor/snapshot.h"
#include "server/server_context.h"

namespace zats::server {

class MonitorSource final : public monitor::SnapshotSource {
 public:
  MonitorSource(ServerContext& context, int64_t start_wall_ns);
  monitor::Snapshot take(const monitor::SnapshotRequest& what) override;
  // The assembly adds what the cluster knows (its name, port, routes, client URLs).
  using ClusterDescription = std::function<void(monitor::ServerIdentity&)>;
  void describe_cluster_with(ClusterDescription describe) { describe_cluster_ = std::move(describe); }

 private:
  monitor::ServerIdentity identity() const;

  ServerContext& context_;
  int64_t start_wall_ns_;
  std::chrono::milliseconds worker_timeout_{2000};
  monitor::ProcessUsage usage_;
  ClusterDescription describe_cluster_;
};

}  // namespace zats::server
