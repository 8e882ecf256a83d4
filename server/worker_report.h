// WorkerReport: what one worker contributes to a monitoring snapshot, filled on the worker's
// own thread (Worker::report) and merged by MonitorSource on the monitoring thread. Counters
// stay per worker on the hot path; they are only summed here, on request.
#pragma once

#include <memory>
#include <vector>

#include "server/monitor/snapshot.h"
#include "server/options.h"

namespace zats::server {

struct WorkerReport {
  monitor::WorkerStats stats;
  int64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  int64_t slow_consumers = 0;
  uint32_t subscriptions = 0;
  std::vector<monitor::ConnectionInfo> open;
  std::vector<monitor::ConnectionInfo> closed;
  std::vector<monitor::RouteInfo> routes;
  monitor::SublistStats sublist;
  std::vector<uint32_t> account_connections;  // by AccountId
  std::vector<uint32_t> account_subscriptions;
  std::vector<monitor::SublistStats> account_sublist;  // by AccountId
  std::vector<monitor::Traffic> account_traffic;       // by AccountId, open and closed clients'
  std::shared_ptr<const Options> options;  // the options this worker runs with (reloads included)
};

}  // namespace zats::server
