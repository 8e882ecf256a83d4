#include "cluster/route.h"

#include <algorithm>

#include "core/listener.h"
#include "core/log.h"
#include "proto/encode.h"
#include "proto/info.h"
#include "proto/route_connect.h"
#include "proto/subject.h"
#include "server/permissions_check.h"
#include "server/tls/peer_identity.h"
#include "server/worker.h"
#include "server/worker_report.h"

namespace zats::cluster {
namespace {

constexpr uint64_t kFirstPingMaxNs = 1'000'000'000;  // server.go firstPingInterval (routes)
// Interest updates (RS+/RS-) a route applies per loop turn: a peer announcing a million
// subscriptions at once must not keep this worker's clients waiting.
constexpr uint32_t kInterestOpsPerTurn = 1024;

uint64_t to_ns(server::Nanos d) { return static_cast<uint64_t>(d.count()); }

Route* route_at(server::Worker& worker, core::SocketId socket) {
  server::Connection* c = worker.connection(socket);
  return c != nullptr && c->kind() == server::Connection::Kind::Route ? static_cast<Route*>(c) : nullptr;
}

}  // namespace

Route::Route(server::Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port, Cluster& cluster,
             std::optional<server::RouteUrl> url)
    : Connection(worker, socket, cid, std::move(ip), port, Kind::Route, {"rid", "Route"}),
      cluster_(cluster),
      url_(std::move(url)),
      parser_(proto::route_parser_limits()),
      permissions_(cluster.permissions()) {}

Route::~Route() = default;

// route.go createRoute: with TLS, the handshake comes before anything is said, within the
// cluster's tls timeout.
void Route::start() {
  Cluster::RouteTls tls = cluster_.route_tls();
  if (tls.context == nullptr) return begin_protocol();
  pinned_certs_ = std::move(tls.pinned_certs);
  if (url_) tls_name_ = cluster_.tls_server_name(*url_);
  schedule_timer(tls.timeout_ns);
  start_tls(std::move(tls.context), url_ ? server::tls::TlsSession::Role::Client : server::tls::TlsSession::Role::Server,
            tls_name_);
}

// The peer's certificate passed verification (chain, and for a route we dialled its name); the
// pins come last, as in doTLSHandshake.
bool Route::on_tls_established() {
  if (!server::tls::certificate_pinned(pinned_certs_, tls()->peer_certificate())) {
    fail_tls_handshake("certificate not pinned");
    return false;
  }
  pinned_certs_.clear();
  begin_protocol();
  return open();
}

void Route::recheck_pinned_certificate(const std::set<std::string>& pins) {
  if (!open() || tls_handshaking() || pins.empty()) return;
  if (tls() != nullptr && server::tls::certificate_pinned(pins, tls()->peer_certificate())) return;
  ZATS_NOTICE("%s:%d - rid:%lu - Disconnecting: certificate no longer pinned", ip().c_str(), port(),
              static_cast<unsigned long>(cid()));
  close(server::CloseReason::TlsHandshakeError);
}

void Route::begin_protocol() {
  ZATS_NOTICE("%s:%d - rid:%lu - Route connection created", ip().c_str(), port(), static_cast<unsigned long>(cid()));
  if (url_) {
    proto::append_route_connect(out(), cluster_.route_connect(*url_));
  } else if (!cluster_.options().username.empty()) {
    auth_pending_ = true;
  }
  proto::append_info(out(), cluster_.route_info());
  mark_dirty();
  if (auth_pending_) {
    schedule_timer(to_ns(cluster_.options().auth_timeout));
    return;
  }
  // The first PING comes early (it measures the RTT), with up to 20% jitter.
  const uint64_t first = std::min(to_ns(worker().options().ping_interval), kFirstPingMaxNs);
  schedule_timer(first + (first / 5 ? worker().rng()() % (first / 5) : 0));
}

void Route::on_bytes(const char* data, size_t size) {
  if (!backlog_.empty()) {  // bytes that came in the same turn as the pause queue behind it
    backlog_.append(data, size);
    return;
  }
  const size_t used = feed(data, size);
  if (used < size && open()) {
    backlog_.assign(data + used, size - used);
    pause_input(kPausedForBudget);
    server::Worker& owner = worker();
    owner.post([&owner, socket = socket()] {
      if (Route* r = route_at(owner, socket)) r->continue_backlog();
    });
  }
}

// Feeds the parser until the bytes are used or this turn's interest budget is spent; returns
// how many were used.
size_t Route::feed(const char* data, size_t size) {
  size_t used = 0;
  while (used < size && open()) {
    const proto::FeedResult r = parser_.feed(data + used, size - used, *this);
    if (r.error != proto::ParseError::None) {
      ZATS_ERROR("%s:%d - rid:%lu - Route protocol error", ip().c_str(), port(), static_cast<unsigned long>(cid()));
      close(server::CloseReason::ProtocolViolation);
      return size;
    }
    used += r.consumed;
    // The parser stops after the update that spent the budget: the rest waits for a later turn.
    if (r.consumed == 0 || interest_budget_spent()) break;
  }
  return open() ? used : size;
}

// A later turn (posted): the next share of the backlog; receiving resumes once it is gone.
void Route::continue_backlog() {
  if (!open()) return;
  std::string pending;
  pending.swap(backlog_);
  const size_t used = feed(pending.data(), pending.size());
  if (used < pending.size() && open()) {
    backlog_.assign(pending, used, std::string::npos);
    server::Worker& owner = worker();
    owner.post([&owner, socket = socket()] {
      if (Route* r = route_at(owner, socket)) r->continue_backlog();
    });
    return;
  }
  unpause_input(kPausedForBudget);
}

// One interest update done; false once this loop turn's share is spent (the parser stops).
bool Route::spend_interest_budget() {
  const uint64_t turn = worker().reactor().stats().turns;
  if (turn != budget_turn_) {
    budget_turn_ = turn;
    interest_budget_ = kInterestOpsPerTurn;
  }
  if (interest_budget_ > 0) --interest_budget_;
  return interest_budget_ > 0;
}

bool Route::interest_budget_spent() const {
  return interest_budget_ == 0 && budget_turn_ == worker().reactor().stats().turns;
}

void Route::on_timer(uint64_t now_ns) {
  if (!timer_fired()) return;
  if (tls_handshaking()) {
    fail_tls_handshake("timeout");
    return;
  }
  if (auth_pending_) {
    close(server::CloseReason::AuthenticationTimeout, "Authentication Timeout");
    return;
  }
  keep_alive(now_ns);
}

// The accepting side: the dialler's CONNECT (client.go processConnect, route.go
// processRouteConnect): credentials first, then what gives away a client or a gateway on the
// route port, then the cluster name.
bool Route::on_connect(std::string_view json) {
  note_activity();
  std::optional<proto::RouteConnect> c = proto::parse_route_connect(json);
  if (!c) {
    close(server::CloseReason::ProtocolViolation);
    return false;
  }
  std::optional<server::auth::CertIdentity> certificate;
  if (tls() != nullptr) certificate = server::tls::cert_identity(tls()->peer_certificate());
  if (!cluster_.authorized(c->user, c->pass, certificate ? &*certificate : nullptr)) {
    ZATS_ERROR("%s:%d - rid:%lu - authentication error", ip().c_str(), port(), static_cast<unsigned long>(cid()));
    close(server::CloseReason::AuthenticationViolation, "Authorization Violation");
    return false;
  }
  if (!c->lang.empty()) {
    close(server::CloseReason::WrongPort, "attempted to connect to route port");
    return false;
  }
  if (!c->gateway.empty()) {
    close(server::CloseReason::WrongGateway,
          "Rejecting connection from gateway " + proto::go_quoted(c->gateway) + " on the Route port");
    return false;
  }
  const std::string ours = cluster_.name();
  if (c->cluster != ours && cluster_.check_name(c->cluster, c->cluster_dynamic, {worker().index(), socket()}) ==
                                Cluster::NameCheck::Conflict) {
    std::string text = "Rejecting connection, cluster name " + proto::go_quoted(c->cluster) + " does not match " +
                       proto::go_quoted(ours);
    ZATS_ERROR("%s:%d - rid:%lu - %s", ip().c_str(), port(), static_cast<unsigned long>(cid()), text.c_str());
    close(server::CloseReason::ClusterNameConflict, text);
    return false;
  }
  connect_received_ = true;
  if (remote_id_.empty()) remote_id_ = c->name;
  peer_headers_ = c->headers && !worker().options().no_header_support;
  if (auth_pending_) {
    auth_pending_ = false;
    const uint64_t first = std::min(to_ns(worker().options().ping_interval), kFirstPingMaxNs);
    schedule_timer(first);
  }
  return true;
}

bool Route::on_info(std::string_view json) {
  note_activity();
  std::optional<proto::ServerInfo> info = proto::parse_server_info(json);
  if (!info) {
    close(server::CloseReason::ProtocolViolation);
    return false;
  }
  if (!info_received_) return handle_first_info(*info);
  // Later INFOs: another server described (gossip: an implicit route), or the peer's own
  // update (a lame-duck notice).
  cluster_.on_async_info({worker().index(), socket()}, *info);
  return open();
}

// route.go processRouteInfo, for the first INFO of a connection.
bool Route::handle_first_info(const proto::ServerInfo& info) {
  const RouteRef ref{worker().index(), socket()};
  if (info.server_id == worker().context().server_id) {
    remote_id_ = info.server_id;
    close(server::CloseReason::DuplicateRoute);
    return false;
  }
  if (!info.cluster.empty() && info.cluster != cluster_.name() &&
      cluster_.check_name(info.cluster, info.cluster_dynamic, ref) == Cluster::NameCheck::Conflict) {
    close(server::CloseReason::ClusterNameConflict);
    return false;
  }
  if (!url_ && info.server_name == worker().context().info.server_name) {
    ZATS_ERROR("%s:%d - rid:%lu - Remote server has a duplicate name: %s", ip().c_str(), port(),
               static_cast<unsigned long>(cid()), proto::go_quoted(info.server_name).c_str());
    close(server::CloseReason::DuplicateServerName);
    return false;
  }
  info_received_ = true;
  remote_id_ = info.server_id;
  remote_name_ = info.server_name;
  peer_headers_ = info.headers && !worker().options().no_header_support;
  PeerDetails peer;
  peer.info = info;
  peer.tcp_ip = ip();
  peer.solicited = url_.has_value();
  peer.url = url_;
  if (!peer.url) {
    server::RouteUrl made;
    made.host = info.host;
    made.port = info.port;
    made.url = "nats-route://" + core::join_host_port(info.host, info.port) + "/";
    peer.url = made;
  }
  const Cluster::Registration reg = cluster_.register_route(ref, peer);
  if (reg.refused != server::CloseReason::None) {
    ZATS_DEBUG("%s:%d - rid:%lu - Detected duplicate remote route %s", ip().c_str(), port(),
               static_cast<unsigned long>(cid()), proto::go_quoted(remote_id_).c_str());
    close(reg.refused);
    return false;
  }
  slot_ = static_cast<int>(reg.slot);
  worker().attach_remote(static_cast<unsigned>(slot_), this);
  ZATS_DEBUG("%s:%d - rid:%lu - Registering remote route %s", ip().c_str(), port(), static_cast<unsigned long>(cid()),
             proto::go_quoted(remote_id_).c_str());
  announce_local_interest();
  return open();
}

bool Route::on_err(std::string_view text) {
  ZATS_ERROR("%s:%d - rid:%lu - Route Error %.*s", ip().c_str(), port(), static_cast<unsigned long>(cid()),
             static_cast<int>(text.size()), text.data());
  close(server::CloseReason::ParseError);
  return false;
}

bool Route::on_ping() {
  queue(proto::kPong);
  note_peer_ping();
  return true;
}

bool Route::on_pong() {
  note_pong();
  return true;
}

void Route::send_info_json(std::string_view json) {
  if (!open()) return;
  out().append("INFO ");
  out().append(json);
  out().append(" \r\n");
  mark_dirty();
}

void Route::close_as(server::CloseReason reason, std::string_view err_text) { close(reason, err_text); }

// --- interest ---

// Every change of every account's local interest from now on (Route::AccountWatch), and a
// snapshot of all of it, walked after the watches are in place so that whatever changes during
// the walk is heard too; the changes go out after the snapshot, so every key ends right.
void Route::announce_local_interest() {
  server::ServerContext& context = worker().context();
  for (server::AccountId a = 0; a < context.accounts.size(); ++a) {
    watches_.push_back(std::make_unique<AccountWatch>(*this, a));
    context.interest[a]->watch_local(watches_.back().get());
  }
  server::Worker& owner = worker();
  snapshot_ = std::make_unique<InterestSnapshot>(context, permissions_->import_permission,
                                                 [&owner, socket = socket()] {
                                                   owner.post([&owner, socket] {
                                                     if (Route* r = route_at(owner, socket)) r->take_snapshot();
                                                   });
                                                 });
}

void Route::take_snapshot() {
  if (!snapshot_ || !open()) return;
  const bool done = snapshot_->take(out());
  if (done) {
    snapshot_.reset();
    ZATS_DEBUG("%s:%d - rid:%lu - Sent local subscriptions to route", ip().c_str(), port(),
               static_cast<unsigned long>(cid()));
    take_inbox();
    out().append(held_);
    held_.clear();
    held_.shrink_to_fit();
  }
  mark_dirty();
}

void Route::set_permissions(std::shared_ptr<const Cluster::RoutePermissions> permissions) {
  permissions_ = std::move(permissions);
}

void Route::AccountWatch::local_interest_changed(std::string_view subject, std::string_view queue, uint32_t weight) {
  route_.queue_interest_line(account_, subject, queue, weight);
}

// Any worker's thread, under that account's index writer lock.
void Route::queue_interest_line(server::AccountId account, std::string_view subject, std::string_view queue,
                                uint32_t weight) {
  if (!import_allowed(subject)) return;
  const std::string& name = worker().context().accounts.name(account);
  bool first = false;
  {
    std::lock_guard lock(inbox_mutex_);
    first = inbox_.empty();
    if (weight > 0) {
      proto::append_remote_sub(inbox_, name, subject, queue, weight);
    } else {
      proto::append_remote_unsub(inbox_, name, subject, queue);
    }
    inbox_pending_.store(true, std::memory_order_release);
  }
  if (!first) return;  // a take is already on its way
  server::Worker& owner = worker();
  owner.post([&owner, socket = socket()] {
    if (Route* r = route_at(owner, socket)) r->take_inbox();
  });
}

void Route::take_inbox() {
  if (snapshot_) return;  // after the snapshot (take_snapshot calls again)
  std::string lines;
  {
    std::lock_guard lock(inbox_mutex_);
    lines.swap(inbox_);
    inbox_pending_.store(false, std::memory_order_relaxed);
  }
  if (lines.empty() || !open()) return;
  out().append(lines);
  mark_dirty();
}

bool Route::import_allowed(std::string_view subject) const {
  return route_permits(permissions_->import_permission, subject);
}

bool Route::export_allowed(std::string_view subject) const {
  return route_permits(permissions_->export_permission, subject);
}

server::AccountId Route::account_of(std::string_view name) {
  if (last_account_ != server::kNoAccount && name == last_account_name_) return last_account_;
  const server::AccountId id = worker().context().accounts.find(name);
  if (id != server::kNoAccount) {
    last_account_name_.assign(name);
    last_account_ = id;
  }
  return id;
}

// RS+ (route.go processRemoteSub): the peer's plain interest counts once per key; a queue
// group's weight is replaced by each RS+ for it.
bool Route::on_remote_sub(const proto::RemoteSubArgs& args) {
  note_activity();
  if (!registered()) return true;  // a peer announces interest only after our INFO
  const server::AccountId account = account_of(args.account);
  if (account == server::kNoAccount) {
    ZATS_DEBUG("%s:%d - rid:%lu - Unknown account %s for remote subject %s", ip().c_str(), port(),
               static_cast<unsigned long>(cid()), proto::go_quoted(args.account).c_str(),
               proto::go_quoted(args.subject).c_str());
    return true;
  }
  if (!export_allowed(args.subject)) return true;
  if (!proto::is_valid_subject(args.subject)) {
    send_err("Invalid Subscription");
    return open();
  }
  const RemoteInterest::Key key{args.account, args.subject, args.queue};
  server::InterestIndex& index = *worker().context().interest[account];
  const unsigned destination = server::kRemoteBase + static_cast<unsigned>(slot_);
  if (args.queue.empty()) {
    if (remote_interest_.add(key, 1)) index.add(destination, args.subject);
  } else {
    const uint32_t weight = static_cast<uint32_t>(std::max(args.weight, 0));
    remote_interest_.set(key, weight);
    index.set_queue_weight(destination, args.subject, args.queue, weight);
  }
  return spend_interest_budget();
}

bool Route::on_remote_unsub(const proto::RemoteSubArgs& args) {
  note_activity();
  if (!registered()) return true;
  const server::AccountId account = account_of(args.account);
  if (account == server::kNoAccount) return true;
  if (!remote_interest_.erase({args.account, args.subject, args.queue})) return true;
  server::InterestIndex& index = *worker().context().interest[account];
  const unsigned destination = server::kRemoteBase + static_cast<unsigned>(slot_);
  if (args.queue.empty()) {
    index.remove(destination, args.subject);
  } else {
    index.set_queue_weight(destination, args.subject, args.queue, 0);
  }
  return spend_interest_budget();
}

// Everything the peer announced leaves the index with the route (route.go removeRemoteSubs).
void Route::forget_remote_interest() {
  if (!registered()) return;
  server::ServerContext& context = worker().context();
  const unsigned destination = server::kRemoteBase + static_cast<unsigned>(slot_);
  remote_interest_.for_each([&](const RemoteInterest::Key& key, uint32_t) {
    const server::AccountId account = context.accounts.find(key.account);
    if (account == server::kNoAccount) return;
    if (key.queue.empty()) {
      context.interest[account]->remove(destination, key.subject);
    } else {
      context.interest[account]->set_queue_weight(destination, key.subject, key.queue, 0);
    }
  });
  remote_interest_.clear();
}

// --- messages ---

bool Route::on_routed_msg(const proto::RoutedMsgArgs& args, std::string_view payload) {
  stats_.in_msgs++;
  stats_.in_bytes += payload.size();
  server::WorkerStats& ws = worker().stats();
  ws.in_msgs++;
  ws.in_bytes += payload.size();
  note_activity();
  if (!registered()) return true;
  const server::AccountId account = account_of(args.account);
  if (account == server::kNoAccount) {
    ZATS_DEBUG("%s:%d - rid:%lu - Unknown account %s for routed message on subject: %s", ip().c_str(), port(),
               static_cast<unsigned long>(cid()), proto::go_quoted(args.account).c_str(),
               proto::go_quoted(args.subject).c_str());
    return true;
  }
  const server::MessageView msg{args.subject, args.reply, payload, args.header_size,
                                args.has_headers && args.header_size > 0};
  worker().publish_from_remote(*this, static_cast<unsigned>(slot_), account, msg, args.queues);
  return open();
}

// One RMSG (HMSG when the message has headers and the peer takes them) per message, after
// any interest change still waiting in the inbox.
void Route::forward(server::AccountId account, const server::MessageView& msg,
                    std::span<const std::string_view> queues) {
  if (!open()) return;
  if (inbox_pending_.load(std::memory_order_acquire)) take_inbox();
  std::string_view payload = msg.payload;
  size_t header_size = msg.has_headers ? msg.header_size : 0;
  if (header_size > 0 && !peer_headers_) {
    payload.remove_prefix(header_size);
    header_size = 0;
  }
  proto::append_routed_msg(snapshot_ ? held_ : out(), worker().context().accounts.name(account), msg.subject,
                           msg.reply, queues, header_size, payload);
  count_sent(payload.size());
}

// --- closing and monitoring ---

void Route::on_closing() {
  // A saved name the dialled peer's certificate was not for is not tried again (route.go).
  if (url_ && tls() != nullptr && tls()->name_mismatch()) cluster_.tls_name_failed(tls_name_);
  snapshot_.reset();  // stops the walk if it is still going
  server::ServerContext& context = worker().context();
  for (server::AccountId a = 0; a < watches_.size(); ++a) context.interest[a]->unwatch_local(watches_[a].get());
  forget_remote_interest();
  if (registered()) worker().detach_remote(static_cast<unsigned>(slot_));
  ZATS_NOTICE("%s:%d - rid:%lu - Router connection closed: %s", ip().c_str(), port(),
              static_cast<unsigned long>(cid()), std::string(server::close_reason_text(close_reason())).c_str());
  cluster_.route_closed({worker().index(), socket()}, remote_id_, url_.has_value(), url_, close_reason());
  slot_ = -1;
}

void Route::report(const server::monitor::SnapshotRequest& what, server::WorkerReport& out) const {
  if (!registered() || close_reason() != server::CloseReason::None) return;
  // The peer's interest counts among this server's subscriptions, as in the reference.
  out.subscriptions += static_cast<uint32_t>(remote_interest_.size());
  out.sublist.num_subscriptions += static_cast<uint32_t>(remote_interest_.size());
  server::monitor::RouteInfo r;
  r.rid = cid();
  r.remote_id = remote_id_;
  r.remote_name = remote_name_;
  r.did_solicit = url_.has_value();
  r.is_configured = url_ && cluster_.configured(*url_);
  r.ip = ip();
  r.port = port();
  r.start = start_wall_ns_;
  r.last_activity = worker().wall_ns(last_activity_ns_);
  r.rtt = static_cast<server::monitor::Nanos>(rtt_ns_);
  r.pending_size = static_cast<int64_t>(pending_bytes());
  r.in_msgs = static_cast<int64_t>(stats_.in_msgs);
  r.out_msgs = static_cast<int64_t>(stats_.out_msgs);
  r.in_bytes = static_cast<int64_t>(stats_.in_bytes);
  r.out_bytes = static_cast<int64_t>(stats_.out_bytes);
  r.num_subs = static_cast<uint32_t>(remote_interest_.size());
  if (what.subscriptions) {
    remote_interest_.for_each([&r](const RemoteInterest::Key& key, uint32_t) {
      server::monitor::SubscriptionInfo s;
      s.account.assign(key.account);
      s.subject.assign(key.subject);
      s.queue.assign(key.queue);
      r.subs.push_back(std::move(s));
    });
  }
  out.routes.push_back(std::move(r));
}

}  // namespace zats::cluster
