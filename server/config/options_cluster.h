// How clustering is configured, as nats-server 2.9.10 reads it: the `cluster {}` block
// (read_cluster, in options_reader.h with the other sections), the --cluster and --routes
// flags applied over the file (overrideCluster), route URLs, and the defaults and start-time
// checks (setBaselineOptions, startRouting's cluster_advertise check).
#pragma once

#include <string>
#include <string_view>

#include "server/flags.h"
#include "server/options.h"

namespace zats::server::config {

// A route URL (`routes: [...]`, --routes): trimmed, then read as Go's url.Parse reads it. Any
// scheme and a missing port are accepted, as nats-server accepts them (the route then fails to
// connect). Empty on success, else why (Go's url error text).
std::string parse_route_url(std::string_view text, RouteUrl* out);

// `error parsing route url ["<url>"]`: the reference's refusal of a route URL.
std::string route_url_error(std::string_view text);

// --cluster/--cluster_listen and --routes over the options built from the file and the other
// flags: the listen URL sets host and port (":-1" a random port) and its userinfo the cluster's
// credentials (none clears them); --routes replaces the routes ("" removes them) and needs a
// cluster listen. False with the reference's message.
bool apply_cluster_flags(const FlagResult& flags, Options& options, std::string* error);

// Defaults once clustering is on (host 0.0.0.0, a 2s auth timeout) and the check nats-server
// makes when it starts routing: cluster_advertise must be host[:port].
bool finish_cluster_options(ClusterOptions& cluster, std::string* error);

}  // namespace zats::server::config
