// Connection: TLS between the socket and the protocol. Received records go through the
// session into on_bytes(); the outbound buffer is sealed into records at flush time. The
// handshake runs on the worker's thread in steps, within the worker's handshake budget
// (tls::HandshakeBudget), so a storm of new TLS connections cannot hold up established ones.
// Nothing here knows the protocol: clients and routes share it.
#include "core/log.h"
#include "server/connection.h"
#include "server/worker.h"

namespace zats::server {

void Connection::start_tls(std::shared_ptr<const tls::TlsContext> context, tls::TlsSession::Role role,
                           std::string_view server_name) {
  if (kind_ == Kind::Client) {
    ZATS_DEBUG("%s:%d - %s:%lu - Starting TLS client connection handshake", ip_.c_str(), port_, names_.id_tag,
               static_cast<unsigned long>(cid_));
  } else {
    ZATS_DEBUG("%s:%d - %s:%lu - Starting TLS route %s handshake", ip_.c_str(), port_, names_.id_tag,
               static_cast<unsigned long>(cid_), role == tls::TlsSession::Role::Client ? "client" : "server");
  }
  tls_ = std::make_unique<tls::TlsSession>(std::move(context), role, server_name);
  tls_->write_clear(out_);
  out_.clear();
  if (role == tls::TlsSession::Role::Client) advance_tls_handshake(/*waited=*/false);  // our hello goes first
}

void Connection::fail_tls_handshake(std::string_view why) {
  ZATS_ERROR("%s:%d - %s:%lu - TLS %shandshake error: %.*s", ip_.c_str(), port_, names_.id_tag,
             static_cast<unsigned long>(cid_), kind_ == Kind::Client ? "" : "route ", static_cast<int>(why.size()),
             why.data());
  close(CloseReason::TlsHandshakeError);
}

void Connection::receive_tls(const char* data, size_t size) {
  if (state_ != State::Open) return;
  tls::InputScope input(*tls_, data, size);
  if (!tls_->established() && !advance_tls_handshake(/*waited=*/false)) return;
  read_tls_records();
}

// One handshake step with the input received so far; true once the session is established.
// Outside the worker's budget (or behind others waiting for it) the step waits its turn.
bool Connection::advance_tls_handshake(bool waited) {
  tls::HandshakeBudget& budget = worker_->handshake_budget();
  if (handshake_waiting_) return false;
  if (!waited && !budget.may_run()) {
    handshake_waiting_ = true;
    budget.wait(socket_);
    return false;
  }
  tls::TlsSession::Progress progress = budget.timed([this] { return tls_->handshake(); });
  if (!tls_->output().empty()) mark_dirty();
  switch (progress) {
    case tls::TlsSession::Progress::NeedInput:
      return false;
    case tls::TlsSession::Progress::Failed:
      fail_tls_handshake(tls_->error());
      return false;
    case tls::TlsSession::Progress::Done:
      break;
  }
  ZATS_DEBUG("%s:%d - %s:%lu - TLS handshake complete", ip_.c_str(), port_, names_.id_tag,
             static_cast<unsigned long>(cid_));
  ZATS_DEBUG("%s:%d - %s:%lu - TLS version %s, cipher suite %s", ip_.c_str(), port_, names_.id_tag,
             static_cast<unsigned long>(cid_), tls_->version().c_str(), tls_->cipher().c_str());
  const bool go_on = on_tls_established() && state_ == State::Open;
  if (!out_.empty()) mark_dirty();  // what waited for the handshake
  return go_on;
}

void Connection::resume_tls_handshake() {
  handshake_waiting_ = false;
  if (state_ != State::Open || !tls_handshaking()) return;
  if (advance_tls_handshake(/*waited=*/true)) read_tls_records();
}

// Decrypts what arrived, record by record, into the protocol. One buffer per worker thread
// serves every connection: on_bytes() copies whatever it keeps.
void Connection::read_tls_records() {
  thread_local char plaintext[tls::TlsSession::kMaxRecordPlaintext];
  while (state_ == State::Open) {
    long n = tls_->read(plaintext, sizeof plaintext);
    if (n == 0) break;
    if (n == tls::TlsSession::kPeerClosed) {
      close(CloseReason::ClientClosed);
      break;
    }
    if (n < 0) {
      ZATS_DEBUG("%s:%d - %s:%lu - TLS read error: %s", ip_.c_str(), port_, names_.id_tag,
                 static_cast<unsigned long>(cid_), tls_->error().c_str());
      close(CloseReason::ReadError);
      break;
    }
    on_bytes(plaintext, static_cast<size_t>(n));
  }
  if (!tls_->output().empty()) mark_dirty();  // e.g. an answer to the peer's key update
}

// A burst's plaintext is sealed as it grows, not all at the flush: a turn can queue megabytes
// for each subscriber, and sealing copies and encrypts them, cheaper while they are still in
// the cache (a 1:4 fan-out of 1 KiB messages took a tenth less server CPU per delivery).
void Connection::seal_early() {
  if (state_ == State::Open && tls_->established()) seal_queued();
}

void Connection::seal_queued() {
  if (!tls_->write(out_)) {
    ZATS_DEBUG("%s:%d - %s:%lu - TLS write error: %s", ip_.c_str(), port_, names_.id_tag,
               static_cast<unsigned long>(cid_), tls_->error().c_str());
  }
  out_.clear();
}

// Moves the queued protocol bytes into the session, sealed into records; close_notify follows
// the last of them. During the handshake they wait (what went in the clear went at start_tls),
// and a connection closing before it completes sends nothing more.
void Connection::seal_outbound() {
  if (!tls_->established()) {
    if (state_ == State::Draining) out_.clear();
    return;
  }
  if (!out_.empty()) seal_queued();
  if (state_ == State::Draining) tls_->shutdown();
}

}  // namespace zats::server
