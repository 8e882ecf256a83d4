// Reload refusals, field by field, named as Go's Options fields are.
#include "server/config/options_reload.h"

#include "server/config/duration.h"
#include "server/config/go_url.h"
#include "server/config/host_port.h"

namespace zats::server::config {
namespace {

std::string text(const std::string& v) { return v; }
std::string text(int64_t v) { return std::to_string(v); }
std::string text(bool v) { return v ? "true" : "false"; }
std::string text(Nanos v) { return format_go_duration(v.count()); }
std::string text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

template <class T>
bool differs(std::string* why, const char* field, const T& old_value, const T& new_value) {
  if (old_value == new_value || !why->empty()) return false;
  *why = std::string("config reload not supported for ") + field + ": old=" + text(old_value) +
         ", new=" + text(new_value);
  return true;
}

// reload.go validateClusterOpts, only when something in the cluster changed. The listen
// address stays; port -1 (random) means the port in use.
void cluster_refusal(std::string* why, const ClusterOptions& o, const ClusterOptions& n) {
  if (!why->empty() || o == n) return;
  if (o.host != n.host) {
    *why = "config reload not supported for cluster host: old=" + o.host + ", new=" + n.host;
    return;
  }
  if (n.port != -1 && o.port != n.port) {
    *why = "config reload not supported for cluster port: old=" + std::to_string(o.port) +
           ", new=" + std::to_string(n.port);
    return;
  }
  if (n.advertise.empty()) return;
  std::string host;
  int64_t port = 0;
  if (std::string err = parse_host_port(n.advertise, 0, &host, &port); !err.empty()) {
    *why = "invalid Cluster.Advertise value of " + n.advertise + ", err=" + err;
  }
}

// Two route URLs are the same route when Go's parser makes the same URL of them.
bool same_route(const RouteUrl& a, const RouteUrl& b) {
  if (a.url == b.url) return true;
  GoUrl ua, ub;
  return parse_go_url(a.url, &ua).empty() && parse_go_url(b.url, &ub).empty() && ua == ub;
}

// The routes of `from` that `in` lacks.
std::vector<RouteUrl> routes_missing(const std::vector<RouteUrl>& from, const std::vector<RouteUrl>& in) {
  std::vector<RouteUrl> out;
  for (const RouteUrl& r : from) {
    bool found = false;
    for (const RouteUrl& other : in) found = found || same_route(r, other);
    if (!found) out.push_back(r);
  }
  return out;
}

// The operators in force, by their JWTs' ids (a hash of their claims).
std::vector<std::string> operator_ids(const Options& o) {
  std::vector<std::string> ids;
  for (const auth::OperatorJwt& op : o.operator_mode.operators) ids.push_back(op.claims.id);
  return ids;
}

}  // namespace

std::string reload_refusal(const Options& o, const Options& n) {
  std::string why;
  differs(&why, "Host", o.host, n.host);
  if (n.port != 0) differs<int64_t>(&why, "Port", o.port, n.port);  // 0: keep the port (as Go's RANDOM)
  differs(&why, "ServerName", o.server_name, n.server_name);
  differs(&why, "MaxPending", o.max_pending, n.max_pending);
  differs(&why, "MaxSubs", o.max_subscriptions, n.max_subscriptions);
  differs<int64_t>(&why, "MaxSubTokens", o.max_sub_tokens, n.max_sub_tokens);
  differs(&why, "NoHeaderSupport", o.no_header_support, n.no_header_support);
  differs(&why, "HTTPHost", o.http_host, n.http_host);
  differs<int64_t>(&why, "HTTPPort", o.http_port, n.http_port);
  differs<int64_t>(&why, "HTTPSPort", o.https_port, n.https_port);
  differs(&why, "HTTPBasePath", o.http_base_path, n.http_base_path);
  cluster_refusal(&why, o.cluster, n.cluster);
  differs(&why, "LogSizeLimit", o.log_size_limit, n.log_size_limit);
  differs(&why, "LameDuckDuration", o.lame_duck_duration, n.lame_duck_duration);
  differs(&why, "LameDuckGracePeriod", o.lame_duck_grace_period, n.lame_duck_grace_period);
  differs(&why, "NoAuthUser", o.no_auth_user, n.no_auth_user);
  // The TLS context (certificates, keys, CAs, verify, suites), its timeout and pinned
  // certificates reload; these do not (reload.go has no option for them).
  differs(&why, "TLSMap", o.tls_map, n.tls_map);
  differs(&why, "TLSRateLimit", o.tls_rate_limit, n.tls_rate_limit);
  differs(&why, "AllowNonTLS", o.allow_non_tls, n.allow_non_tls);
  differs(&why, "SystemAccount", o.system_account, n.system_account);
  differs(&why, "NoSystemAccount", o.no_system_account, n.no_system_account);
  differs(&why, "NoSublistCache", o.no_sublist_cache, n.no_sublist_cache);
  // zats builds its per-account indexes at start: the set of accounts is fixed for now.
  // Operator mode is set up at start (the resolver, the operators it trusts).
  differs(&why, "TrustedOperators", operator_ids(o), operator_ids(n));
  differs(&why, "TrustedKeys", o.operator_mode.configured_trusted_keys, n.operator_mode.configured_trusted_keys);
  differs(&why, "AccountResolver", o.operator_mode.memory_resolver, n.operator_mode.memory_resolver);
  differs(&why, "Accounts", o.accounts, n.accounts);
  differs<int64_t>(&why, "Cores", o.cores, n.cores);
  // Each worker's ring is set up once, at start.
  differs<int64_t>(&why, "IoUringTier", static_cast<int64_t>(o.io_uring_tier), static_cast<int64_t>(n.io_uring_tier));
  return why;
}

RouteChanges route_changes(const Options& old, const Options& next) {
  return RouteChanges{routes_missing(next.cluster.routes, old.cluster.routes),
                      routes_missing(old.cluster.routes, next.cluster.routes)};
}

}  // namespace zats::server::config
