// /metrics: the snapshot in Prometheus text exposition format 0.0.4. Names are `zats_...`;
// counters end in `_total`; per-worker series carry a worker="N" label. Valid for
// `promtool check metrics`.
#pragma once

#include <string>

#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const Snapshot& snap);

}  // namespace zats::server::monitor
