// Client::connection_info: one connection as /connz shows it (monitoring only); and as a sharing
// service import describes the requester.
#include "server/client.h"
#include "server/monitor/go_format.h"
#include "server/tls/peer_identity.h"
#include "server/tls/tls_session.h"
#include "server/worker.h"
#include "server/worker_report.h"

namespace zats::server {

void Client::report(const monitor::SnapshotRequest& what, WorkerReport& out) const {
  if (close_reason() != CloseReason::None) return;
  out.stats.connections++;
  if (account_ < out.account_connections.size()) out.account_connections[account_]++;
  if (account_ < out.account_traffic.size()) out.account_traffic[account_] += traffic();
  if (what.open_connections) out.open.push_back(connection_info(what.subscriptions, what.auth_details));
}

monitor::Traffic Client::traffic() const {
  const ConnectionStats& s = stats();
  monitor::Traffic t;
  t.in_msgs = static_cast<int64_t>(s.in_msgs);
  t.in_bytes = static_cast<int64_t>(s.in_bytes);
  t.out_msgs = static_cast<int64_t>(s.out_msgs);
  t.out_bytes = static_cast<int64_t>(s.out_bytes);
  const CloseReason why = close_reason();
  t.slow_consumers = why == CloseReason::SlowConsumerPendingBytes || why == CloseReason::SlowConsumerWriteDeadline;
  return t;
}

// client.go getRawAuthUser: the user the connection logged in as (no_auth_user and a TLS
// certificate's mapped user included), else the CONNECT user, else the token it presented;
// shown by /connz?auth=1. A closed connection keeps the user only (server.go saveClosedClient).
std::string Client::authorized_user() const {
  if (!auth_user_.empty()) return auth_user_;
  if (!connect_.user.empty()) return connect_.user;
  return closing() ? std::string() : connect_.auth_token;
}

namespace {

std::vector<monitor::PeerCertificate> peer_certificates(const tls::TlsSession& session) {
  std::vector<monitor::PeerCertificate> out;
  for (const x509_st* cert : session.peer_certificates())
    out.push_back({tls::subject_string(cert), tls::public_key_sha256(cert), tls::certificate_sha256(cert)});
  return out;
}

}  // namespace

void Client::describe_requester(RequestInfo& info) const {
  info.details = true;
  info.start = monitor::format_rfc3339_nano(start_wall_ns_);
  info.host = ip();
  info.id = cid();
  info.user = authorized_user();
  info.name = connect_.name;
  info.lang = connect_.lang;
  info.version = connect_.version;
  info.jwt = connect_.jwt;
  info.issuer_key = issuer_key();
  if (jwt_identity_) {
    info.name_tag = jwt_identity_->name;
    info.tags = &jwt_identity_->tags;
  }
}

// events.go accountConnectEvent, accountDisconnectEvent and sendAuthErrorEvent: the client as
// describe_requester describes it; leaving, also its round trip, when it stopped, what it sent
// and received, and why it closed (a refused login: an authentication failure).
void Client::announce(ClientEvent kind) {
  RequestInfo info;
  info.account = worker().context().accounts.name(account_);
  describe_requester(info);
  EventClosing closing;
  if (kind != ClientEvent::Connect) {
    info.rtt_ns = rtt_ns();
    info.stop = monitor::format_rfc3339_nano(worker().wall_ns(worker().now_ns()));
    closing.traffic = traffic();
    closing.reason =
        close_reason_text(kind == ClientEvent::AuthError ? CloseReason::AuthenticationViolation : close_reason());
  }
  worker().queue_client_event(kind, info, closing);
}

// events.go issuerForClient: the signing key that issued a JWT user's JWT, else the account of a
// JWT or nkey user; empty for other users.
std::string_view Client::issuer_key() const {
  if (jwt_identity_) return jwt_identity_->issuer_key;
  if (nkey_user_) return worker().context().accounts.name(account_);
  return {};
}

monitor::ConnectionInfo Client::connection_info(bool with_subs, bool with_auth_details) const {
  monitor::ConnectionInfo info;
  info.cid = cid();
  info.ip = ip();
  info.port = port();
  info.start = start_wall_ns_;
  info.last_activity = worker().wall_ns(last_activity_ns_);
  info.rtt = static_cast<monitor::Nanos>(rtt_ns_);
  info.pending_bytes = static_cast<int64_t>(pending_bytes());
  info.in_msgs = static_cast<int64_t>(stats_.in_msgs);
  info.out_msgs = static_cast<int64_t>(stats_.out_msgs);
  info.in_bytes = static_cast<int64_t>(stats_.in_bytes);
  info.out_bytes = static_cast<int64_t>(stats_.out_bytes);
  info.num_subs = static_cast<uint32_t>(subs_.size());
  info.name = connect_.name;
  info.lang = connect_.lang;
  info.version = connect_.version;
  info.account = worker().context().accounts.name(account_);
  info.authorized_user = authorized_user();
  if (tls() != nullptr && tls()->established()) {
    info.tls_version = tls()->version();
    info.tls_cipher_suite = tls()->cipher();
    if (with_auth_details) info.tls_peer_certs = peer_certificates(*tls());
  }
  if (with_auth_details) {
    info.jwt = connect_.jwt;
    info.issuer_key = issuer_key();
    if (jwt_identity_) {
      info.name_tag = jwt_identity_->name;
      info.tags = jwt_identity_->tags;
    }
  }
  if (!with_subs) return info;
  for (const auto& [sid, sub] : subs_) {
    monitor::SubscriptionInfo s;
    s.account = info.account;
    s.subject = sub->subject;
    s.queue = sub->queue;
    s.sid = sub->sid;
    s.msgs = static_cast<int64_t>(sub->delivered);
    s.max = static_cast<int64_t>(sub->max);
    s.cid = cid();
    info.subs.push_back(std::move(s));
  }
  return info;
}

}  // namespace zats::server
