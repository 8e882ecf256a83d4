// /leafz, /gatewayz and /jsz: the endpoints of subsystems zats does not have (leaf nodes,
// gateways, JetStream; their configuration blocks are refused). Each answers as nats-server
// answers when that subsystem is not configured, so monitoring tools that poll every endpoint
// keep working, and its parameters are checked as nats-server checks them (a bad one is a 400).
#pragma once

#include "server/monitor/query.h"
#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

// No leaf node connections (?subs= is checked, ?acc= filters nothing).
Rendered render_leafz(const Snapshot& snap, const Query& q);

// No gateways, outbound or inbound (?accs= is checked).
Rendered render_gatewayz(const Snapshot& snap, const Query& q);

// JetStream disabled; with ?leader-only=true, nats-server's 400 for a server that is not the
// meta leader.
Rendered render_jsz(const Snapshot& snap, const Query& q);

}  // namespace zats::server::monitor
