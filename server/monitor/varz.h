// /varz: server identity, options and totals in nats-server's field order and types, plus a
// separate "zats" object with per-worker statistics that the reference does not have.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

// Request counts per endpoint path ("/varz": 3), printed as http_req_stats.
using HttpRequestStats = std::map<std::string, std::uint64_t>;

Rendered render_varz(const Snapshot& snap, const HttpRequestStats& stats);

}  // namespace zats::server::monitor
