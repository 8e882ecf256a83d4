// Snapshot helpers (see snapshot.h): the SnapshotSource anchor, Traffic and SublistStats summing.
#include "server/monitor/snapshot.h"

#include <algorithm>

namespace zats::server::monitor {

SnapshotSource::~SnapshotSource() = default;

Traffic& Traffic::operator+=(const Traffic& o) {
  in_msgs += o.in_msgs;
  in_bytes += o.in_bytes;
  out_msgs += o.out_msgs;
  out_bytes += o.out_bytes;
  slow_consumers += o.slow_consumers;
  return *this;
}

// Sums the way nats-server sums accounts: counts add, the hit rate adds, the fan-out keeps the
// maximum, and the average is rebuilt from the underlying totals rather than averaged twice.
SublistStats& SublistStats::operator+=(const SublistStats& o) {
  num_subscriptions += o.num_subscriptions;
  num_cache += o.num_cache;
  num_inserts += o.num_inserts;
  num_removes += o.num_removes;
  num_matches += o.num_matches;
  cache_hit_rate += o.cache_hit_rate;
  max_fanout = std::max(max_fanout, o.max_fanout);
  total_fanout += o.total_fanout;
  cache_count += o.cache_count;
  if (cache_count > 0) {
    avg_fanout = static_cast<double>(total_fanout) / static_cast<double>(cache_count);
  }
  return *this;
}

}  // namespace zats::server::monitor
