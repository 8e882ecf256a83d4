// Route: one route connection to another server of the cluster, living on one worker for its
// whole life (docs/architecture.md, Clustering). With route TLS the connection starts with the
// TLS handshake (the dialler as the TLS client; Connection runs it) and everything after is
// inside it. It speaks the route dialect: the handshake (CONNECT and INFO in both directions, cluster name, authorization, duplicate and self
// detection through the Cluster registry), keep-alive, the peer's interest (RS+/RS-) kept
// in the interest index as this route's remote destination, our local interest announced to
// the peer (a snapshot when the route comes up, then every change in order), and messages
// both ways (RMSG/HMSG in: delivered to this server's subscribers; out: one per message that
// matches the peer's interest, with the queue groups picked for it).
//
// Our local interest goes out as a snapshot made off the worker (InterestSnapshot), then as
// each change: changes arrive from any worker's thread (LocalInterestListener) into a small
// locked inbox, and the route moves the inbox onto the wire before any message it sends, so the
// peer always learns about a subscription before a message that depends on it (a reply).
// Until the snapshot is out, changes and messages for the peer wait behind it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/interest_snapshot.h"
#include "cluster/remote_interest.h"
#include "proto/info.h"
#include "proto/parser.h"
#include "server/connection.h"
#include "server/interest_index.h"
#include "server/options.h"
#include "server/remote_destination.h"

namespace zats::cluster {

class Cluster;

class Route final : public server::Connection, public server::RemoteDestination {
 public:
  // `url` is the URL dialled for a route we solicited; empty for one we accepted.
  Route(server::Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port, Cluster& cluster,
        std::optional<server::RouteUrl> url);
  ~Route() override;

  // Starts the TLS handshake when routes use TLS; then (or at once) sends what opens the route
  // handshake: CONNECT and INFO when we dialled, INFO when we accepted.
  void start();

  // Connection.
  void on_bytes(const char* data, size_t size) override;
  void on_timer(uint64_t now_ns) override;
  void report(const server::monitor::SnapshotRequest& what, server::WorkerReport& out) const override;

  // RemoteDestination: one message for the peer.
  void forward(server::AccountId account, const server::MessageView& msg,
               std::span<const std::string_view> queues) override;

  // From the Cluster (posted to this worker).
  void send_info_json(std::string_view json);  // gossip: another peer's INFO
  void close_as(server::CloseReason reason, std::string_view err_text = {});
  void set_permissions(std::shared_ptr<const Cluster::RoutePermissions> permissions);
  // A reload changed pinned_certs: a peer whose certificate is no longer pinned is closed.
  void recheck_pinned_certificate(const std::set<std::string>& pins);

  // Parser handler (route dialect).
  bool on_connect(std::string_view json);
  bool on_info(std::string_view json);
  bool on_err(std::string_view text);
  bool on_ping();
  bool on_pong();
  bool on_remote_sub(const proto::RemoteSubArgs& args);
  bool on_remote_unsub(const proto::RemoteSubArgs& args);
  bool on_routed_msg(const proto::RoutedMsgArgs& args, std::string_view payload);

  const std::string& remote_id() const { return remote_id_; }

 protected:
  void on_closing() override;
  bool on_tls_established() override;

 private:
  // Watches one account's local interest for this route; called from any worker's thread.
  class AccountWatch : public server::LocalInterestListener {
   public:
    AccountWatch(Route& route, server::AccountId account) : route_(route), account_(account) {}
    void local_interest_changed(std::string_view subject, std::string_view queue, uint32_t weight) override;

   private:
    Route& route_;
    server::AccountId account_;
  };

  bool registered() const { return slot_ >= 0; }
  void begin_protocol();
  size_t feed(const char* data, size_t size);
  void continue_backlog();
  bool spend_interest_budget();
  bool interest_budget_spent() const;
  bool handle_first_info(const proto::ServerInfo& info);
  void announce_local_interest();
  void queue_interest_line(server::AccountId account, std::string_view subject, std::string_view queue,
                           uint32_t weight);
  void take_inbox();
  void take_snapshot();
  bool import_allowed(std::string_view subject) const;
  bool export_allowed(std::string_view subject) const;
  server::AccountId account_of(std::string_view name);
  void forget_remote_interest();

  Cluster& cluster_;
  std::optional<server::RouteUrl> url_;
  proto::Parser parser_;
  bool connect_received_ = false;
  bool info_received_ = false;
  bool auth_pending_ = false;
  bool peer_headers_ = false;
  std::string remote_id_;
  std::string remote_name_;
  int slot_ = -1;  // the remote destination registered for the peer
  // Route TLS: the name the dialled peer's certificate must be for, and the pins in force
  // when the handshake started.
  std::string tls_name_;
  std::set<std::string> pinned_certs_;

  // Our local interest, announced to the peer: one watch per account, and the lines that
  // other threads produced since the route last took them.
  std::vector<std::unique_ptr<AccountWatch>> watches_;
  std::mutex inbox_mutex_;
  std::string inbox_;
  std::atomic<bool> inbox_pending_{false};
  std::unique_ptr<InterestSnapshot> snapshot_;  // until every line of it is on the wire
  std::string held_;                            // messages for the peer that wait for it
  std::shared_ptr<const Cluster::RoutePermissions> permissions_;

  // A burst of interest from the peer is applied a bounded amount per loop turn; what waits
  // for the next turn is kept here (receiving is paused meanwhile).
  std::string backlog_;
  uint32_t interest_budget_ = 0;
  uint64_t budget_turn_ = UINT64_MAX;

  // The peer's interest as it announced it.
  RemoteInterest remote_interest_;

  // Account names come with every RMSG; the last one resolved is remembered.
  std::string last_account_name_;
  server::AccountId last_account_ = server::kNoAccount;
};

}  // namespace zats::cluster
