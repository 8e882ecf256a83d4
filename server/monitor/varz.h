// /varz: server identity, options and totals in nats-server's field order and types, plus a
// separate "zats" object with per-worker statistics that the reference does not have.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

// http_req_stats: the snapshot's http_requests.
Rendered render_varz(const Snapshot& snap);

}  // namespace zats::server::monitor
