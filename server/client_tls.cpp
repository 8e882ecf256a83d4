// Client: when and how a client connection uses TLS, in nats-server's order: the INFO goes out
// in the clear (tls_required, tls_verify, tls_available), then the handshake within tls.timeout,
// then CONNECT. With allow_non_tls the first byte decides (0x16, a TLS handshake record, or
// plaintext). connection_rate_limit, pinned_certs and the certificate behind verify_and_map are
// checked here; the session itself is Connection's (connection_tls.cpp). Same class and thread
// rules as client.cpp.
#include "core/log.h"
#include "server/client.h"
#include "server/tls/peer_identity.h"
#include "server/worker.h"

namespace zats::server {
namespace {

constexpr unsigned char kHandshakeRecord = 0x16;

}  // namespace

// Called by start() after the INFO is queued; the auth timer starts after the handshake.
void Client::begin_tls(const Options& opts) {
  schedule_timer(opts.tls_timeout_ns());  // the handshake (or the first byte) must come in time
  if (opts.allow_non_tls) {
    tls_choice_pending_ = true;
    return;
  }
  start_client_tls(opts);
}

// connection_rate_limit counts connections about to use TLS (server.go createClient).
bool Client::start_client_tls(const Options& opts) {
  if (tls::ConnectionRateLimit* limit = worker().context().tls_rate_limit.get()) {
    if (!limit->allow(worker().now_ns())) {
      close(CloseReason::MaxConnectionsExceeded, "Connection throttling is active. Please try again later.");
      return false;
    }
  }
  start_tls(opts.tls, tls::TlsSession::Role::Server);
  return true;
}

// allow_non_tls: a handshake record starts TLS; anything else is a plaintext client.
void Client::choose_tls(const char* data, size_t size) {
  tls_choice_pending_ = false;
  const Options& opts = worker().options();
  if (size > 0 && static_cast<unsigned char>(data[0]) == kHandshakeRecord) {
    if (!start_client_tls(opts)) return;
    schedule_timer(opts.tls_timeout_ns());
    on_received(data, size);  // into the session now
    return;
  }
  start_protocol();
  on_bytes(data, size);
}

// The protocol starts (after the handshake, or without TLS under allow_non_tls): the auth
// timer, when authentication is required, replaces the TLS timer.
void Client::start_protocol() {
  cancel_timer();
  if (auth_pending_) schedule_timer(static_cast<uint64_t>(worker().options().auth_timeout.count()));
}

bool Client::on_tls_established() {
  if (!pinned_certificate_allowed(worker().options())) {
    fail_tls_handshake("certificate not pinned");
    return false;
  }
  start_protocol();
  return true;
}

bool Client::pinned_certificate_allowed(const Options& opts) const {
  return tls() == nullptr || tls::certificate_pinned(opts.tls_pinned_certs, tls()->peer_certificate());
}

// The TLS timer (tls.timeout after accept): under allow_non_tls the first byte never came (go
// on as plaintext, as nats-server does), or the handshake did not finish in time.
bool Client::tls_timer_fired() {
  if (tls_choice_pending_) {
    tls_choice_pending_ = false;
    start_protocol();
    return true;
  }
  if (!tls_handshaking()) return false;
  fail_tls_handshake("timeout");
  return true;
}

// Reload: a client whose certificate is no longer pinned is closed (reload.go recheckPinnedCerts).
void Client::recheck_pinned_certificate() {
  if (tls() == nullptr || !tls()->established() || pinned_certificate_allowed(worker().options())) return;
  ZATS_NOTICE("%s:%d - cid:%lu - Disconnecting: certificate no longer pinned", ip().c_str(), port(),
              static_cast<unsigned long>(cid()));
  close(CloseReason::TlsHandshakeError);
}

// verify_and_map: what the verified client certificate says about its owner.
std::optional<auth::CertIdentity> Client::certificate_identity() const {
  if (tls() == nullptr || !tls()->established() || tls()->peer_certificate() == nullptr) return std::nullopt;
  return tls::cert_identity(tls()->peer_certificate());
}

}  // namespace zats::server
