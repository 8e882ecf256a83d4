#include "cluster/cluster.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "cluster/control_loop.h"
#include "cluster/route.h"
#include "cluster/route_certificate.h"
#include "core/interfaces.h"
#include "core/listener.h"
#include "core/log.h"
#include "proto/encode.h"
#include "server/auth/bcrypt.h"
#include "server/auth/constant_time.h"
#include "server/config/options_reload.h"
#include "server/worker.h"

namespace zats::cluster {
namespace {

constexpr uint64_t kReconnectDelayNs = 1'000'000'000;  // const.go DEFAULT_ROUTE_RECONNECT
constexpr uint64_t kReconnectJitterNs = 100'000'000;   // route.go: up to 100 ms more
constexpr const char* kInsecureWarning =
    "TLS certificate chain and hostname of solicited routes will not be verified. DO NOT USE IN PRODUCTION!";

// A name nobody configured: as the reference makes one (a NUID-like random string).
std::string generated_name() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string name;
  while (name.size() < 22) name.push_back(kAlphabet[rng() % 62]);
  return name;
}

std::string random_nonce() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string nonce;
  while (nonce.size() < 15) nonce.push_back(kAlphabet[rng() % 64]);
  return nonce;
}

std::optional<proto::SubjectPermissionInfo> permission_info(const std::optional<server::SubjectPermission>& p) {
  if (!p) return std::nullopt;
  proto::SubjectPermissionInfo info;
  if (p->allow) info.allow = *p->allow;
  info.deny = p->deny;
  return info;
}

// "host:port" (lower case) of a route URL, as route.go hasThisRouteConfigured compares them.
std::string host_port_key(const std::string& host, int port) {
  std::string key = core::join_host_port(host, port);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

uint64_t reconnect_delay(bool explicit_route) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return (explicit_route ? kReconnectDelayNs : 0) + rng() % kReconnectJitterNs;
}

}  // namespace

Cluster::Cluster(server::ServerContext& context, const server::Options& options)
    : context_(context), options_(options.cluster), server_options_(options) {
  name_ = options_.name;
  if (name_.empty()) {
    name_ = generated_name();
    dynamic_name_ = true;
  }
  slot_used_.assign(server::kMaxRemotes, false);
  context_.info.cluster = name_;  // clients see the cluster's name in INFO
  permissions_ = std::make_shared<const RoutePermissions>(
      RoutePermissions{options_.import_permission, options_.export_permission});
  save_tls_name(options_.routes);
}

std::shared_ptr<const Cluster::RoutePermissions> Cluster::permissions() {
  std::lock_guard lock(mu_);
  return permissions_;
}

Cluster::~Cluster() { stop(); }

bool Cluster::start(std::string* error) {
  const int port = options_.port < 0 ? 0 : options_.port;
  listen_fd_ = core::listen_tcp(options_.host, port, /*reuse_port=*/false, error);
  if (listen_fd_ < 0) {
    *error = "Error listening on router port: " + std::to_string(options_.port) + " - " + *error;
    return false;
  }
  {
    // Monitoring may already ask (describe) from its own thread.
    std::lock_guard lock(mu_);
    port_ = core::bound_port(listen_fd_);
    own_urls_ = own_client_urls();
    for (const core::InterfaceAddress& a : core::interface_addresses()) {
      self_addresses_.push_back(core::join_host_port(a.ip, port_));
    }
  }
  ZATS_NOTICE("Cluster name is %s", name_.c_str());
  if (dynamic_name_) ZATS_WARN("Cluster name was dynamically generated, consider setting one");
  ZATS_NOTICE("Listening for route connections on %s", core::join_host_port(options_.host, port_).c_str());
  warn_if_insecure();
  ControlLoop::Hooks hooks;
  hooks.connected = [this](int fd, std::optional<server::RouteUrl> url) { attach_route(fd, std::move(url)); };
  hooks.wanted = [this](const server::RouteUrl& url, bool explicit_route) {
    std::lock_guard lock(mu_);
    if (explicit_route) return is_explicit(host_port_key(url.host, url.port));
    return true;
  };
  hooks.is_self = [this](const std::string& address) { return is_self_address(address); };
  ControlLoop::Reporting reporting{server_options_.connect_error_reports, server_options_.reconnect_error_reports};
  loop_ = std::make_unique<ControlLoop>(listen_fd_, std::move(hooks), reporting);
  loop_->start();
  for (const server::RouteUrl& url : options_.routes) {
    loop_->dial(url, /*explicit_route=*/true, /*first_connect=*/true, 0, 0);
  }
  return true;
}

// The control loop object outlives stop() (routes closing on the workers may still ask it to
// dial, which it ignores once stopped); it goes with the Cluster.
void Cluster::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  if (loop_) loop_->stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void Cluster::reload(const server::Options& old, const server::Options& next) {
  const server::config::RouteChanges changes = server::config::route_changes(old, next);
  std::vector<RouteRef> removed;
  std::vector<RouteRef> refs;
  std::string renamed;
  {
    std::lock_guard lock(mu_);
    for (const auto& entry : peers_) {
      const Peer& peer = entry.second;
      if (!peer.url) continue;
      const bool gone = std::any_of(changes.removed.begin(), changes.removed.end(),
                                    [&](const server::RouteUrl& u) { return u == *peer.url; });
      if (gone) removed.push_back(peer.ref);
    }
    const bool advertise_changed = options_.no_advertise != next.cluster.no_advertise;
    const std::string host = options_.host;
    const int port = options_.port;
    options_ = next.cluster;
    options_.host = host;  // where the listener is cannot change (the reload was refused otherwise)
    options_.port = port;
    save_tls_name(changes.added);
    permissions_ = std::make_shared<const RoutePermissions>(
        RoutePermissions{options_.import_permission, options_.export_permission});
    for (const auto& [id, peer] : peers_) refs.push_back(peer.ref);
    if (!next.cluster.name.empty() && next.cluster.name != name_) {
      name_ = next.cluster.name;
      dynamic_name_ = false;
      renamed = name_;
    }
    if (advertise_changed) {
      client_url_counts_.clear();
      if (!options_.no_advertise) {
        for (const auto& [id, peer] : peers_)
          for (const std::string& url : peer.client_urls) ++client_url_counts_[url];
      }
    }
  }
  ZATS_NOTICE("Reloaded: cluster");
  warn_if_insecure();
  auto perms = permissions();
  for (const RouteRef& ref : refs) post_to_route(ref, [perms](Route& r) { r.set_permissions(perms); });
  // reload.go: routes whose certificate is no longer pinned are closed.
  if (old.cluster.tls_pinned_certs != next.cluster.tls_pinned_certs) {
    auto pins = std::make_shared<const std::set<std::string>>(next.cluster.tls_pinned_certs);
    for (const RouteRef& ref : refs) post_to_route(ref, [pins](Route& r) { r.recheck_pinned_certificate(*pins); });
  }
  for (const RouteRef& ref : removed) {
    post_to_route(ref, [](Route& r) { r.close_as(server::CloseReason::RouteRemoved); });
  }
  for (const server::RouteUrl& url : changes.removed) ZATS_NOTICE("Removed route %s", url.url.c_str());
  for (const server::RouteUrl& url : changes.added) {
    if (loop_) loop_->dial(url, /*explicit_route=*/true, /*first_connect=*/true, 0, 0);
  }
  if (!renamed.empty()) {
    for (server::Worker* w : context_.workers) w->set_cluster_name(renamed);
  }
  client_urls_changed();
  ZATS_NOTICE("Reloaded: cluster routes");
}

void Cluster::describe(server::monitor::ServerIdentity& id) {
  std::lock_guard lock(mu_);
  id.cluster_name = name_;
  id.cluster_host = options_.host;
  id.cluster_port = port_;
  id.cluster_auth_timeout = std::chrono::duration<double>(options_.auth_timeout).count();
  id.cluster_tls_timeout = options_.tls_timeout > 0 ? options_.tls_timeout : 2;  // reported even without TLS
  id.cluster_tls_required = options_.tls != nullptr;
  id.cluster_tls_verify = options_.tls != nullptr;
  id.cluster_urls.clear();
  for (const server::RouteUrl& u : options_.routes) id.cluster_urls.push_back(core::join_host_port(u.host, u.port));
  id.connect_urls = client_urls_;
}

bool Cluster::configured(const server::RouteUrl& url) {
  std::lock_guard lock(mu_);
  return is_explicit(host_port_key(url.host, url.port));
}

proto::ServerInfo Cluster::route_info() {
  proto::ServerInfo info;
  info.server_id = context_.server_id;
  info.server_name = context_.info.server_name;
  info.proto = 2;  // RouteProtoV2: accounts in RS+ / RMSG
  info.headers = !server_options_.no_header_support;
  info.max_payload = server_options_.max_payload;
  info.nonce = random_nonce();
  std::lock_guard lock(mu_);
  info.host = options_.host;
  info.port = port_;
  info.auth_required = !options_.username.empty();
  info.tls_required = options_.tls != nullptr;
  info.tls_verify = options_.tls != nullptr;
  if (!options_.advertise.empty()) {
    const size_t colon = options_.advertise.rfind(':');
    const bool has_port = colon != std::string::npos && options_.advertise.find(']') < colon;
    const bool v4_port = colon != std::string::npos && options_.advertise.find(':') == colon;
    if (has_port || v4_port) {
      info.host = options_.advertise.substr(0, colon);
      if (!info.host.empty() && info.host.front() == '[') info.host = info.host.substr(1, info.host.size() - 2);
      info.port = std::atoi(options_.advertise.c_str() + colon + 1);
    } else {
      info.host = options_.advertise;
    }
    info.ip = "nats-route://" + core::join_host_port(info.host, info.port) + "/";
  }
  info.cluster = name_;
  info.cluster_dynamic = dynamic_name_;
  if (!options_.no_advertise) info.connect_urls = own_urls_;
  info.import_permission = permission_info(options_.import_permission);
  info.export_permission = permission_info(options_.export_permission);
  return info;
}

proto::RouteConnect Cluster::route_connect(const server::RouteUrl& url) {
  proto::RouteConnect c;
  c.user = url.username;
  c.pass = url.password;
  c.headers = !server_options_.no_header_support;
  c.name = context_.server_id;
  std::lock_guard lock(mu_);
  c.tls_required = options_.tls != nullptr;
  c.cluster = name_;
  c.cluster_dynamic = dynamic_name_;
  return c;
}

std::string Cluster::name() {
  std::lock_guard lock(mu_);
  return name_;
}

bool Cluster::authorized(const std::string& user, const std::string& password,
                         const server::auth::CertIdentity* certificate) const {
  std::lock_guard lock(mu_);
  if (options_.tls_map || options_.tls_check_known_urls) {
    if (certificate == nullptr) return false;
    return route_certificate_authorized(
        *certificate, {options_.tls_map, options_.username, options_.tls_check_known_urls, &options_.routes});
  }
  if (options_.username.empty()) return true;
  return server::auth::constant_time_equals(options_.username, user) &&
         server::auth::password_matches(options_.password, password);
}

Cluster::RouteTls Cluster::route_tls() {
  std::lock_guard lock(mu_);
  return RouteTls{options_.tls, options_.tls_timeout_ns(), options_.tls_pinned_certs};
}

std::string Cluster::tls_server_name(const server::RouteUrl& url) {
  std::lock_guard lock(mu_);
  if (!route_tls_name_.empty() && core::is_ip_literal(url.host)) return route_tls_name_;
  return url.host;
}

void Cluster::tls_name_failed(const std::string& name) {
  std::lock_guard lock(mu_);
  if (name == route_tls_name_) route_tls_name_.clear();
}

// The first host name (not an address) among routes we are told to dial.
void Cluster::save_tls_name(const std::vector<server::RouteUrl>& routes) {
  for (const server::RouteUrl& url : routes) {
    if (!route_tls_name_.empty()) return;
    if (!url.host.empty() && !core::is_ip_literal(url.host)) route_tls_name_ = url.host;
  }
}

void Cluster::warn_if_insecure() const {
  if (options_.tls != nullptr && options_.tls->options().insecure) ZATS_WARN("%s", kInsecureWarning);
}

Cluster::NameCheck Cluster::check_name(const std::string& theirs, bool their_dynamic, RouteRef from) {
  {
    std::lock_guard lock(mu_);
    if (theirs == name_) return NameCheck::Same;
    // A made-up name gives way to a configured one, or to the larger of two made-up ones.
    if (!dynamic_name_ || (their_dynamic && name_ >= theirs)) return NameCheck::Conflict;
    ZATS_NOTICE("Cluster name updated to %s", theirs.c_str());
    name_ = theirs;
    if (!their_dynamic) dynamic_name_ = false;
  }
  for (server::Worker* w : context_.workers) w->set_cluster_name(theirs);
  close_routes_except(from, server::CloseReason::ClusterNameConflict);
  return NameCheck::Adopted;
}

Cluster::Registration Cluster::register_route(RouteRef ref, const PeerDetails& peer) {
  Registration reg;
  bool gossip_it = false;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || loop_ == nullptr) {
      reg.refused = server::CloseReason::ServerShutdown;
      return reg;
    }
    auto existing = peers_.find(peer.info.server_id);
    if (existing != peers_.end()) {
      // Both sides dialled each other: keep the first route; if this one was ours, the kept
      // one takes over its URL, and either way it is redialled should it go.
      if (peer.solicited) {
        existing->second.solicited = true;
        existing->second.url = peer.url;
      }
      existing->second.retry = true;
      reg.refused = server::CloseReason::DuplicateRoute;
      return reg;
    }
    unsigned slot = server::kMaxRemotes;
    for (unsigned i = 0; i < server::kMaxRemotes; ++i) {
      const unsigned candidate = (next_slot_ + i) % server::kMaxRemotes;
      if (!slot_used_[candidate]) {
        slot = candidate;
        break;
      }
    }
    if (slot == server::kMaxRemotes) {
      ZATS_ERROR("Too many routes: at most %u peers", server::kMaxRemotes);
      reg.refused = server::CloseReason::ServerShutdown;
      return reg;
    }
    slot_used_[slot] = true;
    next_slot_ = slot + 1;  // slots are reused as late as possible
    Peer p;
    p.ref = ref;
    p.slot = slot;
    p.name = peer.info.server_name;
    p.client_urls = peer.info.connect_urls;
    p.url = peer.url;
    p.solicited = peer.solicited;
    peers_.emplace(peer.info.server_id, std::move(p));
    if (!options_.no_advertise) {
      for (const std::string& url : peer.info.connect_urls) ++client_url_counts_[url];
    }
    gossip_it = peers_.size() > 1;
    reg.slot = slot;
  }
  if (gossip_it) gossip(peer);
  if (!peer.info.connect_urls.empty()) client_urls_changed();
  return reg;
}

// The new peer's INFO goes to every other peer, which then dials it (route.go
// forwardNewRouteInfoToKnownServers): the nonce removed, and the address we see it at.
void Cluster::gossip(const PeerDetails& peer) {
  proto::ServerInfo info = peer.info;
  info.nonce.clear();
  if (info.ip.empty()) info.ip = "nats-route://" + core::join_host_port(peer.tcp_ip, info.port) + "/";
  auto json = std::make_shared<std::string>();
  proto::append_info_json(*json, info);
  std::vector<RouteRef> others;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, p] : peers_)
      if (id != peer.info.server_id) others.push_back(p.ref);
  }
  for (const RouteRef& ref : others) post_to_route(ref, [json](Route& r) { r.send_info_json(*json); });
}

void Cluster::on_async_info(RouteRef ref, const proto::ServerInfo& info) {
  std::optional<server::RouteUrl> dial;
  bool urls_changed = false;
  {
    std::lock_guard lock(mu_);
    auto from = std::find_if(peers_.begin(), peers_.end(), [&](const auto& p) { return p.second.ref == ref; });
    if (from == peers_.end()) return;
    if (info.server_id != from->first) {
      // An implicit route (route.go processImplicitRoute): dial it unless it is us, already
      // connected, or one of our explicit routes.
      if (info.server_id == context_.server_id || peers_.count(info.server_id) > 0) return;
      if (is_explicit(host_port_key(info.host, info.port)) || info.ip.empty()) return;
      server::RouteUrl url;
      const std::string_view ip = info.ip;
      const size_t start = ip.find("://");
      std::string_view rest = start == std::string_view::npos ? ip : ip.substr(start + 3);
      if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
      const size_t colon = rest.rfind(':');
      if (colon == std::string_view::npos) return;
      url.host = std::string(rest.substr(0, colon));
      if (!url.host.empty() && url.host.front() == '[') url.host = url.host.substr(1, url.host.size() - 2);
      url.port = std::atoi(std::string(rest.substr(colon + 1)).c_str());
      url.url = info.ip;
      if (info.auth_required) {
        url.username = options_.username;
        url.password = options_.password;
      }
      dial = url;
    } else if (info.ldm) {
      // The peer is going away: its client URLs stop being offered.
      forget_client_urls(from->second.client_urls);
      from->second.client_urls.clear();
      urls_changed = true;
    }
  }
  if (dial && loop_) loop_->dial(*dial, /*explicit_route=*/false, /*first_connect=*/true, options_.connect_retries, 0);
  if (urls_changed) client_urls_changed();
}

void Cluster::route_closed(RouteRef ref, const std::string& remote_id, bool solicited,
                           const std::optional<server::RouteUrl>& url, server::CloseReason reason) {
  std::optional<server::RouteUrl> redial;
  bool redial_explicit = false;
  bool urls_changed = false;
  {
    std::lock_guard lock(mu_);
    bool retry = false;
    std::optional<server::RouteUrl> peer_url = url;
    auto it = peers_.find(remote_id);
    if (it != peers_.end() && it->second.ref == ref) {
      slot_used_[it->second.slot] = false;
      urls_changed = forget_client_urls(it->second.client_urls);
      retry = it->second.retry;
      solicited = solicited || it->second.solicited;
      peer_url = it->second.url;
      peers_.erase(it);
    }
    // client.go reconnect: a route we dialled (or kept over a duplicate) is dialled again,
    // unless it was a route to ourselves or that peer is connected anyway.
    // A route removed by a reload is not dialled again.
    if (!stopped_ && loop_ != nullptr && reason != server::CloseReason::RouteRemoved && (solicited || retry) && peer_url &&
        remote_id != context_.server_id && (remote_id.empty() || peers_.count(remote_id) == 0)) {
      redial_explicit = is_explicit(host_port_key(peer_url->host, peer_url->port));
      redial = peer_url;
    }
  }
  if (urls_changed) client_urls_changed();
  if (redial && loop_) {
    ZATS_DEBUG("Attempting reconnect for solicited route \"%s\"", redial->url.c_str());
    loop_->dial(*redial, redial_explicit, /*first_connect=*/false, options_.connect_retries,
                reconnect_delay(redial_explicit));
  }
}

// A connected route goes to the worker with the fewest routes so far (round robin).
void Cluster::attach_route(int fd, std::optional<server::RouteUrl> url) {
  unsigned worker = 0;
  {
    std::lock_guard lock(mu_);
    worker = next_worker_++ % static_cast<unsigned>(context_.workers.size());
  }
  context_.workers[worker]->attach(fd, [this, url = std::move(url)](server::Worker& w, core::SocketId socket,
                                                                   uint64_t cid, std::string ip, int port) {
    auto route = std::make_unique<Route>(w, socket, cid, std::move(ip), port, *this, url);
    route->start();
    return route;
  });
}

void Cluster::post_to_route(RouteRef ref, std::function<void(Route&)> task) {
  server::Worker* worker = context_.workers[ref.worker];
  worker->post([worker, ref, task = std::move(task)] {
    server::Connection* c = worker->connection(ref.socket);
    if (c != nullptr && c->kind() == server::Connection::Kind::Route) task(static_cast<Route&>(*c));
  });
}

void Cluster::close_routes_except(RouteRef keep, server::CloseReason reason) {
  std::vector<RouteRef> others;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, p] : peers_)
      if (!(p.ref == keep)) others.push_back(p.ref);
  }
  for (const RouteRef& ref : others) post_to_route(ref, [reason](Route& r) { r.close_as(reason); });
}

// Clients learn the cluster's client URLs (ours first, then every peer's) in INFO and, when
// they said protocol 1, in an INFO sent whenever the set changes (server.go
// updateServerINFOAndSendINFOToClients).
void Cluster::client_urls_changed() {
  std::vector<std::string> urls;
  {
    std::lock_guard lock(mu_);
    urls = own_urls_;
    for (std::string& url : advertised_peer_urls())
      if (std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
    client_urls_ = urls;
  }
  for (server::Worker* w : context_.workers) w->set_connect_urls(urls);
}

void Cluster::enter_lame_duck() {
  proto::ServerInfo info = route_info();
  info.nonce.clear();
  info.ldm = true;
  auto json = std::make_shared<std::string>();
  proto::append_info_json(*json, info);
  std::vector<RouteRef> routes;
  {
    std::lock_guard lock(mu_);
    own_urls_.clear();  // later updates leave this node out (the workers' INFO already does)
    client_urls_ = advertised_peer_urls();
    for (const auto& [id, peer] : peers_) routes.push_back(peer.ref);
  }
  for (const RouteRef& ref : routes) post_to_route(ref, [json](Route& r) { r.send_info_json(*json); });
}

std::vector<std::string> Cluster::peer_client_urls() {
  std::lock_guard lock(mu_);
  return advertised_peer_urls();
}

// mu_ held: the peers' client URLs, unless no_advertise keeps them from clients.
std::vector<std::string> Cluster::advertised_peer_urls() const {
  std::vector<std::string> urls;
  if (options_.no_advertise) return urls;
  for (const auto& [url, count] : client_url_counts_) urls.push_back(url);
  return urls;
}

// mu_ held: a peer's client URLs no longer count; true when one of them left the set.
bool Cluster::forget_client_urls(const std::vector<std::string>& urls) {
  bool left = false;
  for (const std::string& url : urls) {
    auto it = client_url_counts_.find(url);
    if (it != client_url_counts_.end() && --it->second <= 0) {
      client_url_counts_.erase(it);
      left = true;
    }
  }
  return left;
}

// server.go getClientConnectURLs: client_advertise, or every global unicast address when
// listening on all interfaces, or the listen host.
std::vector<std::string> Cluster::own_client_urls() const {
  const server::Options& o = server_options_;
  const int port = context_.info.port;
  if (!o.client_advertise.empty()) return {core::join_host_port(context_.info.host, port)};
  std::vector<std::string> urls;
  if (o.host == "0.0.0.0" || o.host == "::") {
    for (const core::InterfaceAddress& a : core::interface_addresses()) {
      if (!a.global_unicast || (o.host == "0.0.0.0" && a.ipv6)) continue;
      urls.push_back(core::join_host_port(a.ip, port));
    }
    if (urls.empty()) ZATS_ERROR("Address %s can not be resolved properly", proto::go_quoted(o.host).c_str());
    return urls;
  }
  return {core::join_host_port(o.host, port)};
}

bool Cluster::is_explicit(const std::string& host_port) const {
  return std::any_of(options_.routes.begin(), options_.routes.end(),
                     [&](const server::RouteUrl& u) { return host_port_key(u.host, u.port) == host_port; });
}

bool Cluster::is_self_address(const std::string& address) const {
  return std::find(self_addresses_.begin(), self_addresses_.end(), address) != self_addresses_.end();
}

}  // namespace zats::cluster
