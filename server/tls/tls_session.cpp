// TlsSession over a minimal BIO: reads come from the session's input (kept bytes, then the
// caller's receive buffer, in place), writes append to the session's output string.
#include "server/tls/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "core/listener.h"
#include "server/tls/cipher_suites.h"

namespace zats::server::tls {
namespace {

constexpr unsigned char kHandshakeRecord = 0x16;

TlsSession* session_of(BIO* bio) { return static_cast<TlsSession*>(BIO_get_data(bio)); }

int bio_write(BIO* bio, const char* data, size_t size, size_t* written) {
  BIO_clear_retry_flags(bio);
  session_of(bio)->output().append(data, size);
  *written = size;
  return 1;
}

int bio_read(BIO* bio, char* out, size_t capacity, size_t* read) {
  BIO_clear_retry_flags(bio);
  *read = session_of(bio)->read_input(out, capacity);
  if (*read == 0) {
    BIO_set_retry_read(bio);  // not EOF: more arrives later (SSL_ERROR_WANT_READ)
    return 0;
  }
  return 1;
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return static_cast<long>(session_of(bio)->unread());
    default: return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* session_bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "zats session");
    BIO_meth_set_write_ex(m, bio_write);
    BIO_meth_set_read_ex(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

// Go answers every failed client-certificate check with a bad_certificate alert (unknown CA,
// expired, ...); OpenSSL picks a specific alert per reason. The reason is kept for the log and
// the error reported to OpenSSL becomes "rejected", whose alert is bad_certificate.
int verify_peer(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (auto* session = static_cast<TlsSession*>(SSL_get_app_data(ssl)))
    session->note_verify_error(X509_STORE_CTX_get_error(store));
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

}  // namespace

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, Role role, std::string_view server_name)
    : context_(std::move(context)), ssl_(SSL_new(context_->native())) {
  BIO* bio = BIO_new(session_bio_method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways; the SSL owns it
  SSL_set_app_data(ssl_, this);
  if (role == Role::Server) {
    SSL_set_accept_state(ssl_);
    if (SSL_get_verify_mode(ssl_) != SSL_VERIFY_NONE) SSL_set_verify(ssl_, SSL_get_verify_mode(ssl_), verify_peer);
  } else {
    SSL_set_connect_state(ssl_);
    std::string name(server_name);
    if (!name.empty()) {
      // An address is checked against the certificate's IP names and, as in Go, not sent as SNI;
      // a host name only against its DNS names (never the subject's common name, as Go).
      if (!core::is_ip_literal(name)) SSL_set_tlsext_host_name(ssl_, name.c_str());
      SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
      SSL_set1_host(ssl_, name.c_str());  // OpenSSL 3 takes an address literal as an address
    }
    SSL_set_verify(ssl_, context_->options().insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, verify_peer);
  }
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::take_input(const char* data, size_t size) {
  keep_unread();
  input_ = data;
  input_size_ = size;
}

void TlsSession::keep_unread() {
  if (input_size_ > 0) kept_.append(input_, input_size_);
  input_ = nullptr;
  input_size_ = 0;
}

size_t TlsSession::unread() const { return kept_.size() - kept_offset_ + input_size_; }

size_t TlsSession::read_input(char* out, size_t capacity) {
  size_t done = 0;
  if (kept_offset_ < kept_.size()) {
    done = std::min(capacity, kept_.size() - kept_offset_);
    std::memcpy(out, kept_.data() + kept_offset_, done);
    kept_offset_ += done;
    if (kept_offset_ == kept_.size()) {
      kept_.clear();  // keeps its capacity for the next partial record
      kept_offset_ = 0;
    }
  }
  size_t more = std::min(capacity - done, input_size_);
  if (more > 0) {
    std::memcpy(out + done, input_, more);
    input_ += more;
    input_size_ -= more;
    done += more;
  }
  return done;
}

TlsSession::Progress TlsSession::handshake() {
  if (established_) return Progress::Done;
  // Go's words for a peer that talks plaintext to a TLS port.
  bool plaintext_peer = unread() > 0 && SSL_in_before(ssl_) &&
                        static_cast<unsigned char>(kept_offset_ < kept_.size() ? kept_[kept_offset_] : *input_) !=
                            kHandshakeRecord;
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    established_ = true;
    return Progress::Done;
  }
  int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ) return Progress::NeedInput;
  record_failure(err, plaintext_peer ? "tls: first record does not look like a TLS handshake" : "");
  return Progress::Failed;
}

long TlsSession::read(char* buf, size_t capacity) {
  size_t n = 0;
  ERR_clear_error();
  if (SSL_read_ex(ssl_, buf, capacity, &n) == 1) return static_cast<long>(n);
  int err = SSL_get_error(ssl_, 0);
  if (err == SSL_ERROR_WANT_READ) return 0;
  if (err == SSL_ERROR_ZERO_RETURN) return kPeerClosed;
  record_failure(err, "");
  return kBroken;
}

bool TlsSession::write(std::string_view plaintext) {
  if (plaintext.empty()) return true;
  size_t written = 0;
  ERR_clear_error();
  if (SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written) == 1) return true;
  record_failure(SSL_get_error(ssl_, 0), "");
  return false;
}

void TlsSession::shutdown() {
  if (!established_ || shut_down_) return;
  shut_down_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // writes close_notify to output(); the peer's answer is not awaited
}

std::string TlsSession::version() const { return version_name(SSL_version(ssl_)); }

std::string TlsSession::cipher() const {
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
  return c == nullptr ? std::string() : cipher_name(static_cast<uint16_t>(SSL_CIPHER_get_protocol_id(c)));
}

x509_st* TlsSession::peer_certificate() const { return SSL_get0_peer_certificate(ssl_); }

// OpenSSL's chain holds what the peer sent in order, but on the accepting side without the
// peer's own certificate (kept apart), on the dialling side with it first.
std::vector<x509_st*> TlsSession::peer_certificates() const {
  X509* own = peer_certificate();
  if (own == nullptr) return {};
  std::vector<x509_st*> out{own};
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
  for (int i = SSL_is_server(ssl_) ? 0 : 1; i < sk_X509_num(chain); ++i) out.push_back(sk_X509_value(chain, i));
  return out;
}

bool TlsSession::name_mismatch() const {
  return verify_error_ == X509_V_ERR_HOSTNAME_MISMATCH || verify_error_ == X509_V_ERR_IP_ADDRESS_MISMATCH;
}

void TlsSession::note_verify_error(int code) {
  if (verify_error_ == 0) verify_error_ = code;
}

void TlsSession::record_failure(int ssl_error, std::string_view what) {
  if (!what.empty()) {
    error_ = what;
  } else if (verify_error_ != 0) {
    error_ = std::string("tls: failed to verify certificate: ") + X509_verify_cert_error_string(verify_error_);
  } else if (unsigned long e = ERR_peek_last_error(); e != 0) {
    const char* reason = ERR_reason_error_string(e);
    error_ = std::string("tls: ") + (reason != nullptr ? reason : "error");
  } else if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_SSL) {
    error_ = "tls: unexpected end of stream";
  } else {
    error_ = "tls: error " + std::to_string(ssl_error);
  }
  ERR_clear_error();
}

}  // namespace zats::server::tls
