// The `cluster` block (opts.go parseCluster, parseURLs, setClusterPermissions), the cluster
// flags (opts.go overrideCluster and the --routes handling of ConfigureOptions) and the cluster
// part of setBaselineOptions. The block's `tls` is read with the top level's (options_tls.cpp).
#include "server/config/options_cluster.h"

#include <set>

#include "proto/encode.h"
#include "server/config/duration.h"
#include "server/config/go_url.h"
#include "server/config/host_port.h"
#include "server/config/options_reader.h"

namespace zats::server::config {
namespace {

// Import bounds the interest this server sends (parsed as publish), export the interest it
// accepts (parsed as subscribe).
void set_route_permissions(ClusterOptions& c, const Permissions& p) {
  c.import_permission = p.publish;
  c.export_permission = p.subscribe;
}

// The cluster's credentials; `permissions` inside is deprecated but still applies when the
// block has no `permissions` of its own.
void read_cluster_authorization(OptionsReader& r, const ConfigMapEntry& e, ClusterOptions& c,
                                PermissionsPtr* deprecated_permissions) {
  AuthorizationBlock block;
  if (!read_authorization_block(r, e, &block)) return;
  if (block.users_read) return r.error(e.key_pos, "Cluster authorization does not allow multiple users");
  if (!block.token.empty()) return r.error(e.key_pos, "Cluster authorization does not support tokens");
  c.username = block.user;
  c.password = block.password;
  c.auth_timeout = block.timeout.value_or(Nanos(0));  // 0: the default, once clustering is on
  if (block.default_permissions) {
    r.warning(e.key_pos, "invalid use of field " + proto::go_quoted(e.key) +
                             ": setting \"permissions\" within cluster authorization block is deprecated");
    *deprecated_permissions = block.default_permissions;
  }
}

// Route permissions may not use allow_responses.
bool read_route_permissions(OptionsReader& r, const ConfigMapEntry& e, ClusterOptions& c) {
  PermissionsPtr p = read_permissions(r, e);
  if (!p) return false;
  if (p->response) {
    r.error(e.key_pos, "Cluster permissions do not support dynamic responses");
    return false;
  }
  set_route_permissions(c, *p);
  return true;
}

// The list replaces the routes only when every entry is a route URL; a repeated entry is left
// out with a warning. A value that is not a string ends the list, as in the reference.
void read_routes(OptionsReader& r, const ConfigMapEntry& e, ClusterOptions& c) {
  const ConfigArray* entries = r.get_array(e);
  if (entries == nullptr) return;
  std::vector<RouteUrl> routes;
  std::set<std::string> seen;
  bool failed = false;
  for (const ConfigValue& v : *entries) {
    if (!v.is_string()) {
      r.error(v.pos(), "interface conversion: interface {} is " + std::string(v.go_type_name()) + ", not string");
      return;
    }
    const std::string& text = v.as_string();
    if (!seen.insert(text).second) {
      r.warning(v.pos(), "invalid use of field " + proto::go_quoted(text) + ": Duplicate route entry detected");
      continue;
    }
    RouteUrl route;
    if (!parse_route_url(text, &route).empty()) {
      r.error(v.pos(), route_url_error(text));
      failed = true;
      continue;
    }
    routes.push_back(std::move(route));
  }
  if (!failed) c.routes = std::move(routes);
}

void read_cluster_entry(OptionsReader& r, const ConfigMapEntry& k, ClusterOptions& c, bool* permissions_set,
                        PermissionsPtr* deprecated_permissions) {
  const std::string& key = k.lower_key;
  int64_t n = 0;
  if (key == "name") {
    r.get_string(k, &c.name);
  } else if (key == "listen") {
    r.get_listen(k, &c.host, &c.port);
  } else if (key == "port") {
    if (r.get_int(k, &n)) c.port = saturate_int(n);
  } else if (key == "host" || key == "net") {
    r.get_string(k, &c.host);
  } else if (key == "authorization") {
    read_cluster_authorization(r, k, c, deprecated_permissions);
  } else if (key == "routes") {
    read_routes(r, k, c);
  } else if (key == "tls") {
    read_cluster_tls(r, k, c);
  } else if (key == "cluster_advertise" || key == "advertise") {
    r.get_string(k, &c.advertise);
  } else if (key == "no_advertise") {
    r.get_bool(k, &c.no_advertise);
  } else if (key == "connect_retries") {
    if (r.get_int(k, &n)) c.connect_retries = saturate_int(n);
  } else if (key == "permissions") {
    *permissions_set = read_route_permissions(r, k, c) || *permissions_set;
  } else {
    r.unknown_field(k);
  }
}

// fmt.Sscan into an int, on the port digits of a URL: a leading 0 makes the number octal and
// the scan stops at the first digit that is not (so "010" is 8 and "09" is 0).
std::string scan_port(const std::string& text, int64_t* out) {
  if (text.empty()) return "EOF";
  if (text == "-1") return *out = -1, std::string();
  int base = 10;
  size_t end = text.size();
  if (text.size() > 1 && text[0] == '0') {
    base = 8;
    end = 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '7') ++end;
  }
  const std::string token = text.substr(0, end);
  uint64_t n = 0;
  for (char c : token) {
    const auto d = static_cast<uint64_t>(c - '0');
    if (n > (static_cast<uint64_t>(INT64_MAX) - d) / static_cast<uint64_t>(base))
      return "strconv.ParseInt: parsing " + proto::go_quoted(token) + ": value out of range";
    n = n * static_cast<uint64_t>(base) + d;
  }
  *out = static_cast<int64_t>(n);
  return {};
}

// overrideCluster: the listen URL given on the command line.
bool override_cluster_listen(std::string listen, ClusterOptions& c, std::string* error) {
  if (listen.empty()) {
    c.port = 0;  // clustering off
    return true;
  }
  // Go's URL parser refuses port -1: it is parsed as 0, then put back.
  const bool random = listen.ends_with(":-1");
  if (random) listen = listen.substr(0, listen.size() - 3) + ":0";
  GoUrl url;
  if (std::string why = parse_go_url(listen, &url); !why.empty()) return *error = why, false;
  std::string host, port;
  if (std::string why = split_host_port(url.host, &host, &port); !why.empty()) return *error = why, false;
  if (random) port = "-1";
  c.host = host;
  int64_t n = 0;
  if (std::string why = scan_port(port, &n); !why.empty()) return *error = why, false;
  c.port = saturate_int(n);
  if (url.has_user && !url.has_password) return *error = "expected cluster password to be set", false;
  c.username = url.username;  // no userinfo: the file's credentials are cleared too
  c.password = url.password;
  return true;
}

// RoutesFromStr: comma separated, each trimmed.
bool parse_route_list(std::string_view list, std::vector<RouteUrl>* routes, std::string* error) {
  for (;;) {
    const size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    RouteUrl route;
    if (!parse_route_url(item, &route).empty()) return *error = route_url_error(item), false;
    routes->push_back(std::move(route));
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string parse_route_url(std::string_view text, RouteUrl* out) {
  const std::string_view trimmed = trim_space(text);
  GoUrl url;
  if (std::string why = parse_go_url(trimmed, &url); !why.empty()) return why;
  out->url = std::string(trimmed);
  out->host = url.hostname();
  out->port = 0;  // none: the route fails to connect, as in nats-server
  if (const std::string digits = url.port(); !digits.empty()) {
    int64_t port = INT64_MAX;  // kept when the digits overflow
    go_atoi(digits, &port);
    out->port = saturate_int(port);
  }
  out->username = url.username;
  out->password = url.password;
  return {};
}

std::string route_url_error(std::string_view text) {
  return "error parsing route url [" + proto::go_quoted(trim_space(text)) + "]";
}

void read_cluster(OptionsReader& r, const ConfigMapEntry& entry, Options& o) {
  if (!entry.value.is_map()) {
    return r.error(entry.key_pos, "Expected map to define cluster, got " + std::string(entry.value.go_type_name()));
  }
  bool permissions_set = false;
  PermissionsPtr deprecated_permissions;
  for (const ConfigMapEntry& k : entry.value.as_map()) {
    read_cluster_entry(r, k, o.cluster, &permissions_set, &deprecated_permissions);
  }
  if (!permissions_set && deprecated_permissions) set_route_permissions(o.cluster, *deprecated_permissions);
}

bool apply_cluster_flags(const FlagResult& flags, Options& o, std::string* error) {
  ClusterOptions& c = o.cluster;
  if (flags.cluster_listen && !override_cluster_listen(*flags.cluster_listen, c, error)) return false;
  if (!flags.routes) return true;
  c.routes.clear();
  if (flags.routes->empty()) return true;
  const bool listen_flag = flags.cluster_listen && !flags.cluster_listen->empty();
  if (!listen_flag && c.host.empty() && c.port == 0) {
    *error = "solicited routes require cluster capabilities, e.g. --cluster";
    return false;
  }
  return parse_route_list(*flags.routes, &c.routes, error);
}

bool finish_cluster_options(ClusterOptions& c, std::string* error) {
  if (c.port == 0) return true;
  if (c.host.empty()) c.host = "0.0.0.0";
  if (c.tls_timeout == 0) c.tls_timeout = tls::kDefaultTlsTimeoutSeconds;
  // getDefaultAuthTimeout: with route TLS, the handshake's timeout and one second more.
  if (c.auth_timeout.count() == 0)
    c.auth_timeout = c.tls ? Nanos(go_float_seconds_to_nanos(c.tls_timeout + 1.0)) : std::chrono::seconds(2);
  if (c.advertise.empty()) return true;
  std::string host;
  int64_t port = 0;
  if (std::string why = parse_host_port(c.advertise, c.port, &host, &port); !why.empty()) {
    *error = "Error setting route INFO with Cluster.Advertise value of " + c.advertise + ", err=" + why;
    return false;
  }
  return true;
}

}  // namespace zats::server::config
