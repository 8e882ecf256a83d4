// Cluster: this server's side of a full-mesh cluster (docs/architecture.md, Clustering). It
// owns the control plane: the route listener and the dialling of explicit and gossiped
// (implicit) routes, with the reference's retry timing; route TLS (the context new routes use,
// the name a dialled peer's certificate must be for); the registry of connected peers
// (one route per peer server, duplicates and routes to ourselves refused); the remote
// destination slots routes use in the interest index; gossip (a new peer's INFO forwarded
// to the others); the cluster name and its dynamic negotiation; and the client URLs of the
// whole cluster that clients learn through INFO connect_urls.
//
// The data plane does not come here: each Route lives on one worker, moves messages and
// interest itself, and calls in only at handshake and close. Everything here is guarded by
// one mutex and runs on the control thread or, briefly, on a worker during a handshake.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/reactor.h"
#include "proto/info.h"
#include "proto/route_connect.h"
#include "server/auth/cert_identity.h"
#include "server/close_reason.h"
#include "server/interest_index.h"
#include "server/monitor/snapshot.h"
#include "server/options.h"
#include "server/server_context.h"

namespace zats::cluster {

class ControlLoop;
class Route;

// One route connection: the worker that owns it and its socket there.
struct RouteRef {
  unsigned worker = 0;
  core::SocketId socket;
  bool operator==(const RouteRef&) const = default;
};

// What a route tells the registry about its peer once the peer's first INFO arrived.
struct PeerDetails {
  proto::ServerInfo info;       // as the peer sent it
  std::string tcp_ip;           // the peer's address on this connection
  bool solicited = false;       // we dialled it
  std::optional<server::RouteUrl> url;  // the URL dialled (solicited) or made from the INFO
};

class Cluster {
 public:
  Cluster(server::ServerContext& context, const server::Options& options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Binds the route listener and starts the control thread, which dials the explicit routes.
  bool start(std::string* error);
  // Stops accepting and dialling (routes themselves close with their workers).
  void stop();
  int port() const {
    std::lock_guard lock(mu_);
    return port_;
  }
  // Reload (reload.go clusterOption and routesOption): routes added to the configuration are
  // dialled, routes removed are closed and not dialled again; name, credentials, permissions,
  // advertise and no_advertise change in place.
  void reload(const server::Options& old, const server::Options& next);
  // Monitoring (/varz): the cluster's name, address, explicit routes and client URLs.
  void describe(server::monitor::ServerIdentity& id);
  // Whether a route URL is one of the configured (explicit) routes (/routez is_configured).
  bool configured(const server::RouteUrl& url);

  // --- For routes (on their worker's thread) ---
  const server::ClusterOptions& options() const { return options_; }
  // Route permissions (import: what interest we announce; export: what interest we accept),
  // swapped by a reload; routes keep the pointer they were given.
  struct RoutePermissions {
    std::optional<server::SubjectPermission> import_permission;
    std::optional<server::SubjectPermission> export_permission;
  };
  std::shared_ptr<const RoutePermissions> permissions();
  // Our route INFO, with a fresh nonce for a new connection.
  proto::ServerInfo route_info();
  // Our CONNECT for a route we dialled to `url`.
  proto::RouteConnect route_connect(const server::RouteUrl& url);
  std::string name();
  // A route that dialled us presents credentials (route.go isRouterAuthorized): its
  // certificate (null without TLS) when the tls block maps certificates, else user/password.
  bool authorized(const std::string& user, const std::string& password,
                  const server::auth::CertIdentity* certificate) const;

  // Route TLS as configured now; a reload's change applies to routes made afterwards.
  struct RouteTls {
    std::shared_ptr<const server::tls::TlsContext> context;  // null: routes in the clear
    uint64_t timeout_ns = 0;
    std::set<std::string> pinned_certs;
  };
  RouteTls route_tls();
  // The name the certificate of a route dialled at `url` must be for (route.go
  // saveRouteTLSName, doTLSHandshake): the URL's host name; for an address, the first host
  // name among the configured routes when there is one (gossiped routes are dialled by
  // address). A saved name the peer's certificate did not match is dropped (tls_name_failed).
  std::string tls_server_name(const server::RouteUrl& url);
  void tls_name_failed(const std::string& name);

  // A peer's cluster name against ours (route.go processRouteConnect / processRouteInfo):
  // the same, or ours is dynamic and gives way (then every other route closes and we take
  // theirs); otherwise it is a conflict.
  enum class NameCheck { Same, Adopted, Conflict };
  NameCheck check_name(const std::string& theirs, bool their_dynamic, RouteRef from);

  // The peer's first INFO: registers it, or says why the route must close (a route to
  // ourselves or a second route to a peer already connected: Duplicate Route; an accepted
  // route from a server with our name: Duplicate Server Name). On success `slot` is the
  // remote destination the route owns; the INFO has been gossiped to the other routes and
  // the peer's client URLs passed on to our clients.
  struct Registration {
    server::CloseReason refused = server::CloseReason::None;
    unsigned slot = 0;
  };
  Registration register_route(RouteRef ref, const PeerDetails& peer);
  // A later INFO from a registered peer: an implicit route to dial, or its lame-duck notice.
  void on_async_info(RouteRef ref, const proto::ServerInfo& info);
  // Lame duck mode (server.go sendLDMToRoutes): every peer gets our route INFO once with
  // "ldm":true and stops offering our client URLs; we stop offering them too.
  void enter_lame_duck();
  // The other nodes' client URLs (none under no_advertise): what a client of a node in lame
  // duck mode is told to go to.
  std::vector<std::string> peer_client_urls();
  // The route closed (registered or not): the peer leaves the registry and its URLs, and a
  // route we dialled is dialled again as the reference does.
  void route_closed(RouteRef ref, const std::string& remote_id, bool solicited,
                    const std::optional<server::RouteUrl>& url, server::CloseReason reason);

 private:
  struct Peer {
    RouteRef ref;
    unsigned slot = 0;
    std::string name;
    std::vector<std::string> client_urls;
    std::optional<server::RouteUrl> url;
    bool solicited = false;
    bool retry = false;  // a duplicate was dropped in its favour: redial it if it goes
  };

  void post_to_route(RouteRef ref, std::function<void(Route&)> task);
  void close_routes_except(RouteRef keep, server::CloseReason reason);
  void gossip(const PeerDetails& peer);
  void client_urls_changed();
  std::vector<std::string> advertised_peer_urls() const;
  bool forget_client_urls(const std::vector<std::string>& urls);
  std::vector<std::string> own_client_urls() const;
  bool is_explicit(const std::string& host_port) const;
  bool is_self_address(const std::string& address) const;
  void save_tls_name(const std::vector<server::RouteUrl>& routes);
  void warn_if_insecure() const;
  void schedule_dial(const server::RouteUrl& url, bool explicit_route, uint64_t delay_ns);
  void attach_route(int fd, std::optional<server::RouteUrl> url);

  server::ServerContext& context_;
  server::ClusterOptions options_;
  const server::Options& server_options_;
  bool stopped_ = false;  // stop() ran: nothing more is registered or dialled (under mu_)
  int port_ = 0;
  int listen_fd_ = -1;

  mutable std::mutex mu_;
  std::shared_ptr<const RoutePermissions> permissions_;
  std::string name_;
  bool dynamic_name_ = false;
  std::map<std::string, Peer> peers_;                 // by remote server id
  std::map<std::string, int> client_url_counts_;      // peers' client URLs, refcounted
  std::vector<std::string> own_urls_;
  std::vector<std::string> client_urls_;              // what clients are told (after a route came)
  unsigned next_slot_ = 0;
  std::vector<bool> slot_used_;
  unsigned next_worker_ = 0;
  std::vector<std::string> self_addresses_;           // "ip:port" that are this server
  std::string route_tls_name_;                        // see tls_server_name
  std::unique_ptr<ControlLoop> loop_;
};

}  // namespace zats::cluster
