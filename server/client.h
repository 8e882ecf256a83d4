// Client: one client connection, on one worker at a time (it may move: worker_handover.cpp). It
// owns its parser and its subscriptions (by sid), and implements the client protocol state
// machine: INFO on accept, CONNECT, PING/PONG, SUB/UNSUB, PUB/HPUB, verbose +OK, pedantic
// checks, limits and the -ERR / close behaviour (docs/compatibility.md, Client protocol). The
// outbound buffer, keep-alive and the close sequence are Connection's. Owning worker's thread
// only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "proto/parser.h"
#include "proto/connect.h"
#include "proto/info.h"
#include "server/account.h"
#include "server/auth/authenticator.h"
#include "server/connection.h"
#include "server/message.h"
#include "server/monitor/snapshot.h"
#include "server/permissions_check.h"
#include "server/request_info.h"
#include "server/shared_message.h"
#include "server/subscription.h"
#include "server/system_events.h"

namespace zats::server {

class Worker;

class Client final : public Connection {
 public:
  Client(Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port);
  ~Client() override;

  // Sends INFO (and the -ERR when over max_connections); with TLS, starts the handshake.
  void start(bool over_connection_limit);
  // Queues an INFO built from `info` (lame duck: the worker's, with "ldm") with this
  // connection's own fields (client_id, ...).
  void send_info(proto::ServerInfo info);
  // Takes an INFO after the first one (lame duck, cluster changes): protocol >= 1 and its
  // first PONG sent, as the reference checks.
  bool accepts_async_info() const { return connected_ && connect_.protocol >= 1 && first_pong_sent_; }

  // Connection.
  void on_bytes(const char* data, size_t size) override;
  void on_timer(uint64_t now_ns) override;
  // The mesh backlog this client fed has drained: answer the held PING, parse what waited.
  void resume_input() override;
  // Reload: re-authenticate, re-check permissions and limits.
  void on_options_changed() override;
  void on_info_changed() override;
  void report(const monitor::SnapshotRequest& what, WorkerReport& out) const override;

  // Delivers one message to one of this connection's subscriptions.
  void deliver(Subscription& sub, const MessageView& msg);
  // Subscribe deny entries also filter delivery (docs/compatibility.md, Permissions).
  bool delivery_denied(std::string_view subject) { return perms_ && perms_->delivery_denied(subject); }

  // Parser handler interface (proto::Parser::feed).
  bool on_connect(std::string_view json);
  bool on_ping();
  bool on_pong();
  bool on_pub(const proto::PubArgs& args, std::string_view payload);
  bool on_sub(const proto::SubArgs& args);
  bool on_unsub(const proto::UnsubArgs& args);

  // Moving to another worker (worker_handover.cpp). movable: connected, no TLS, 1 to
  // kMaxMovingSubscriptions plain subscriptions (no queue group, no auto-unsubscribe), and
  // nothing held back (no stashed input, no pause but the move's, no congestion).
  static constexpr size_t kMaxMovingSubscriptions = 16;
  bool movable() const;
  // The subjects of its subscriptions, sorted (what the move announces, and checks again).
  std::vector<std::string> subscription_subjects() const;
  template <class F>
  void each_subscription(F&& f) {
    for (auto& [sid, sub] : subs_) f(sub.get());
  }
  // After a move, messages from each origin worker up to delivered_through[origin] reached it
  // on the old worker: the same messages arriving here are not delivered again.
  void skip_delivered(std::vector<uint64_t> delivered_through) { delivered_through_ = std::move(delivered_through); }
  bool delivered_before(const SharedMessage& m) const {
    return !delivered_through_.empty() && m.origin_seq() <= delivered_through_[m.origin_worker()];
  }
  const std::vector<uint64_t>& skipping() const { return delivered_through_; }
  void stop_skipping() { delivered_through_.clear(); }
  // Where what it receives comes from, counted for the move policy (Worker::consider_moves):
  // a majority vote among other workers, against deliveries from its own.
  void note_source(unsigned worker, unsigned own) {
    if (worker == own) {
      ++own_votes_;
    } else if (worker == peer_) {
      ++peer_votes_;
    } else if (peer_votes_ == 0) {
      peer_ = worker;
      peer_votes_ = 1;
    } else {
      --peer_votes_;
    }
  }
  // The other worker most of what it received came from, if that is most of it.
  bool wants_to_move(uint32_t min_votes, unsigned* target) const {
    if (peer_votes_ < min_votes || peer_votes_ < 4 * own_votes_) return false;
    *target = peer_;
    return true;
  }
  void forget_sources() { own_votes_ = peer_votes_ = 0; }

  AccountId account() const { return account_; }
  // Binds the connection to an account (authentication); only before it has subscriptions.
  void bind_account(AccountId account) { account_ = account; }
  bool echo() const { return connect_.echo; }
  bool headers() const { return connect_.headers && headers_supported_; }
  size_t subscription_count() const { return subs_.size(); }
  // This connection as /connz shows it (client_report.cpp).
  monitor::ConnectionInfo connection_info(bool with_subs, bool with_auth_details) const;
  // What it published and was sent, and whether it was cut as a slow consumer: its share of its
  // account's /accstatz figures.
  monitor::Traffic traffic() const;
  std::string authorized_user() const;
  // This connection as a sharing service import tells the exporter of it (server/request_info.h).
  void describe_requester(RequestInfo& info) const;
  // Tells the system account about this client (server/system_events.h).
  void announce(ClientEvent kind);
  std::string_view issuer_key() const;

 protected:
  void on_closing() override;
  bool on_tls_established() override;

 private:
  void send_ok();
  void send_info();
  void answer_ping();
  void trace_sent_message(size_t start);
  void handle_parse_error(proto::ParseError error);
  bool reserved_reply_or_subject(const proto::PubArgs& args);
  bool on_mapped_pub(const proto::PubArgs& published, std::string_view payload);
  bool take_pub(const proto::PubArgs& published, const proto::PubArgs& args, std::string_view payload);
  void send_no_responders(std::string_view reply);
  void remove_subscription(Subscription* sub);
  // Authentication and permissions (server/auth, permissions_check.h).
  bool authenticate_connect();
  bool login_without_connect();
  bool log_in(const auth::AuthResult& result);
  bool take_account_slot(const auth::JwtGrant* grant);
  void release_account_slot();
  void apply_jwt_limits(const auth::JwtGrant* grant);
  int64_t subscription_limit() const;
  // The timer after `delay_ns`, or sooner at the user JWT's expiry.
  void schedule_timer_until_expiry(uint64_t delay_ns);
  std::string auth_user_label() const;
  bool publish_allowed(const proto::PubArgs& args);
  bool subscribe_allowed(const proto::SubArgs& args);
  void recheck_subscriptions();
  // TLS (client_tls.cpp).
  void begin_tls(const Options& opts);
  bool start_client_tls(const Options& opts);
  void choose_tls(const char* data, size_t size);
  void start_protocol();
  bool pinned_certificate_allowed(const Options& opts) const;
  bool tls_timer_fired();
  void recheck_pinned_certificate();
  std::optional<auth::CertIdentity> certificate_identity() const;

  AccountId account_ = kGlobalAccount;

  proto::Parser parser_;
  proto::ConnectOptions connect_;  // defaults apply before any CONNECT
  bool connected_ = false;         // CONNECT received
  bool first_pong_sent_ = false;   // from then on INFO changes are sent as they happen
  bool headers_supported_;

  // allow_non_tls: the first byte is still to say whether the client speaks TLS.
  bool tls_choice_pending_ = false;

  // Authentication: pending from accept until a CONNECT (or no_auth_user) logs it in.
  bool auth_pending_ = false;
  bool saw_first_byte_ = false;
  bool user_from_list_ = false;  // logged in as an entry of a users list
  bool nkey_user_ = false;       // ... one with an nkey
  // A JWT user's issuer, name and tags (server/request_info.h); null for other users.
  std::unique_ptr<const auth::JwtIdentity> jwt_identity_;
  std::string nonce_;            // sent in the first INFO when nkey users may sign in
  std::string auth_user_;
  std::string auth_account_;
  std::unique_ptr<ClientPermissions> perms_;  // null: unrestricted
  // Operator mode: the user JWT's subscription limit (with its account's; -1: none), when the
  // JWT (or its account's) expires (monotonic ns; 0: never), and the account whose connection
  // count it holds.
  int64_t jwt_max_subs_ = -1;
  uint64_t expires_ns_ = 0;
  bool account_expiry_ = false;  // expires_ns_ is the account JWT's expiry
  bool closing_at_subscription_limit_ = false;  // its limit is 0: the timer closes it
  AccountId counted_account_ = kNoAccount;

  bool counted_ = true;          // holds one of ServerContext::connections until it closes
  bool announced_ = false;       // its CONNECT event went out: its DISCONNECT one will too
  bool input_blocked_ = false;  // a PING is held until the mesh backlog drains
  std::string stash_;           // input received while blocked, parsed on resume

  absl::flat_hash_map<std::string, std::unique_ptr<Subscription>> subs_;

  std::vector<uint64_t> delivered_through_;  // after a move (skip_delivered); empty: none
  uint32_t own_votes_ = 0;
  uint32_t peer_votes_ = 0;
  unsigned peer_ = 0;
};

}  // namespace zats::server
