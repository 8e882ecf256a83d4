// Client: one client connection on one worker, for its whole life. It owns its parser, its
// subscriptions (by sid) and its outbound buffer, and implements the client protocol state machine
// (docs/compatibility.md, Client protocol): INFO on accept, CONNECT, PING/PONG, SUB/UNSUB,
// PUB/HPUB, verbose +OK, pedantic checks, keep-alive, limits, and the -ERR / close behaviour.
// Everything here runs on the owning worker's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "proto/client_parser.h"
#include "proto/connect.h"
#include "server/account.h"
#include "server/auth/authenticator.h"
#include "server/close_reason.h"
#include "server/message.h"
#include "server/monitor/snapshot.h"
#include "server/permissions_check.h"
#include "server/subscription.h"

namespace zats::server {

class Worker;

struct ClientStats {
  uint64_t in_msgs = 0;
  uint64_t in_bytes = 0;
  uint64_t out_msgs = 0;
  uint64_t out_bytes = 0;
};

class Client {
 public:
  Client(Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends INFO (and the -ERR when over max_connections).
  void start(bool over_connection_limit);

  // Events from the worker's reactor.
  void on_bytes(const char* data, size_t size);
  void on_send_done(int res);
  void on_peer_closed(int res);
  void on_timer(uint64_t now_ns);
  // The mesh backlog this client fed has drained: answer the held PING, parse what waited.
  void resume_input();
  // Once per loop turn if dirty: hands pending bytes to the kernel (one send in flight).
  void flush();
  // Periodic check (from the worker's tick) of the write deadline.
  void check_write_deadline(uint64_t now_ns);

  // Delivers one message to one of this connection's subscriptions.
  void deliver(Subscription& sub, const MessageView& msg);
  // Subscribe deny entries also filter delivery (docs/compatibility.md, Permissions).
  bool delivery_denied(std::string_view subject) { return perms_ && perms_->delivery_denied(subject); }
  // Reload: the worker's options changed; re-authenticate, re-check permissions and limits.
  void on_options_changed();
  // Ends the connection: record why, stop reading, optionally send -ERR first.
  void close(CloseReason reason, std::string_view err_text = {});

  // Parser handler interface (proto::ClientParser::feed).
  bool on_connect(std::string_view json);
  bool on_ping();
  bool on_pong();
  bool on_pub(const proto::PubArgs& args, std::string_view payload);
  bool on_sub(const proto::SubArgs& args);
  bool on_unsub(const proto::UnsubArgs& args);

  core::SocketId socket() const { return socket_; }
  uint64_t cid() const { return cid_; }
  AccountId account() const { return account_; }
  // Binds the connection to an account (authentication); only before it has subscriptions.
  void bind_account(AccountId account) { account_ = account; }
  bool closing() const { return state_ != State::Open; }
  bool echo() const { return connect_.echo; }
  bool headers() const { return connect_.headers && headers_supported_; }
  const ClientStats& stats() const { return stats_; }
  CloseReason close_reason() const { return close_reason_; }
  size_t subscription_count() const { return subs_.size(); }
  // Bytes queued for the socket and not yet taken by the kernel (what max_pending limits).
  size_t pending_bytes() const;
  // This connection as /connz shows it (client_report.cpp).
  monitor::ConnectionInfo connection_info(bool with_subs) const;

 private:
  enum class State : uint8_t { Open, Draining, Closed };

  void send_ok();
  void send_err(std::string_view text);
  void queue(std::string_view bytes);
  void mark_dirty();
  void finish_close();
  void schedule_ping(uint64_t delay_ns);
  void handle_parse_error(proto::ParseError error);
  bool reserved_reply_or_subject(const proto::PubArgs& args);
  void send_no_responders(std::string_view reply);
  void remove_subscription(Subscription* sub);
  void note_congestion(size_t pending);
  // Authentication and permissions (server/auth, permissions_check.h).
  bool authenticate_connect();
  bool login_without_connect();
  bool log_in(const auth::AuthResult& result);
  bool publish_allowed(const proto::PubArgs& args);
  bool subscribe_allowed(const proto::SubArgs& args);
  void recheck_subscriptions();

  Worker& worker_;
  core::SocketId socket_;
  uint64_t cid_;
  AccountId account_ = kGlobalAccount;
  std::string ip_;
  int port_;
  State state_ = State::Open;
  CloseReason close_reason_ = CloseReason::None;

  proto::ClientParser parser_;
  proto::ConnectOptions connect_;  // defaults apply before any CONNECT
  bool connected_ = false;         // CONNECT received
  bool headers_supported_;

  // Authentication: pending from accept until a CONNECT (or no_auth_user) logs it in.
  bool auth_pending_ = false;
  bool saw_first_byte_ = false;
  bool user_from_list_ = false;  // logged in as an entry of a users list
  std::string auth_user_;
  std::string auth_account_;
  std::unique_ptr<ClientPermissions> perms_;  // null: unrestricted

  // Outbound: bytes queued since the last flush, and the bytes the kernel is sending.
  std::string out_;
  std::string inflight_;
  bool sending_ = false;
  bool dirty_ = false;
  size_t turn_added_ = 0;  // bytes queued during the current loop turn (not yet flushable)
  // Why reading is paused: a full mesh ring (backlog) and/or a congested consumer it feeds.
  static constexpr uint8_t kPausedForMesh = 1;
  static constexpr uint8_t kPausedForStall = 2;
  uint8_t pause_reasons_ = 0;
  bool recv_paused() const { return (pause_reasons_ & kPausedForMesh) != 0; }
  // Congestion as a consumer: over half of max_pending since then (0: not congested), and
  // whether that episode still holds publishers back (Worker::expire_stalls ends it).
  uint64_t congested_since_ns_ = 0;
  bool stalling_ = false;
  bool counted_ = true;          // holds one of ServerContext::connections until it closes
  bool input_blocked_ = false;  // a PING is held until the mesh backlog drains
  std::string stash_;           // input received while blocked, parsed on resume
  uint64_t send_started_ns_ = 0;

  // Keep-alive (client.go processPingTimer).
  core::TimerWheel::TimerId ping_timer_ = 0;
  int pings_out_ = 0;
  uint64_t last_activity_ns_ = 0;
  uint64_t last_peer_ping_ns_ = 0;
  uint64_t last_ping_sent_ns_ = 0;
  uint64_t rtt_ns_ = 0;          // last PING -> PONG round trip
  int64_t start_wall_ns_ = 0;    // accepted at (wall clock, for monitoring)
  uint64_t accepted_ns_ = 0;     // accepted at (monotonic)

  absl::flat_hash_map<std::string, std::unique_ptr<Subscription>> subs_;
  ClientStats stats_;

  friend class Worker;
};

}  // namespace zats::server
