// What a configuration reload may change (reload.go diffOptions): users, passwords, tokens,
// permissions, the auth timeout, limits, keep-alive, logging, pid/ports files, client_advertise,
// and everything about the cluster but where it listens (name, credentials, routes,
// permissions, advertise, no_advertise, connect_retries). Anything else (host, port, cluster
// host and port, ...) refuses the whole reload with the reference's message, e.g.
// "config reload not supported for Port: old=4222, new=4223"; the old options stay in force.
#pragma once

#include <string>
#include <vector>

#include "server/options.h"

namespace zats::server::config {

// Empty when `next` may replace `old`; otherwise why not.
std::string reload_refusal(const Options& old, const Options& next);

// The explicit routes a reload adds and removes (reload.go diffRoutes): a route is kept when
// its URL means the same as one before (Go's url.URL equality: "NATS://h:1" is "nats://h:1",
// but "nats://h:1/" is another route). In configuration order.
struct RouteChanges {
  std::vector<RouteUrl> added;    // to dial
  std::vector<RouteUrl> removed;  // to close, without reconnecting
};
RouteChanges route_changes(const Options& old, const Options& next);

}  // namespace zats::server::config
