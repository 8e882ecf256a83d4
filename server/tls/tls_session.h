// TlsSession: one connection's TLS, with no socket and no knowledge of what it carries. The
// owner hands it ciphertext as it arrives (take_input), drives the handshake, reads plaintext,
// seals plaintext into records, and sends output() itself. OpenSSL works on the owner's
// buffers through a small BIO (no OpenSSL memory BIO in between): received bytes are read
// straight from the owner's receive buffer and records are appended straight to output(), so
// the only copies are OpenSSL's own. Never blocks, never does I/O: a worker thread drives any
// number of them. The same class serves accepted connections (Role::Server: clients, routes
// accepted) and connections a server makes to another (Role::Client: routes it dials).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/tls/tls_context.h"

struct ssl_st;
struct x509_st;

namespace zats::server::tls {

class TlsSession {
 public:
  enum class Role { Server, Client };
  enum class Progress { Done, NeedInput, Failed };

  // server_name: for Role::Client, the name sent as SNI and checked against the certificate.
  TlsSession(std::shared_ptr<const TlsContext> context, Role role, std::string_view server_name = {});
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Bytes received from the peer. They are read in place by the calls that follow; before the
  // buffer goes away the owner calls keep_unread() (InputScope does it), which copies what
  // OpenSSL has not consumed yet.
  void take_input(const char* data, size_t size);
  void keep_unread();
  // Received bytes not yet consumed by OpenSSL (kept or in the current input).
  size_t unread() const;

  // Advances the handshake with the input given so far. Failed: error() says why.
  Progress handshake();
  bool established() const { return established_; }
  // Decrypts application data into buf: > 0 bytes, 0 when more input is needed, kPeerClosed
  // after the peer's close_notify, kBroken when the records are bad (error() says why).
  static constexpr long kPeerClosed = -1;
  static constexpr long kBroken = -2;
  // The most plaintext one read() returns (one record).
  static constexpr size_t kMaxRecordPlaintext = 16384;
  long read(char* buf, size_t capacity);
  // Seals plaintext into records appended to output(). False on a fatal error.
  bool write(std::string_view plaintext);
  // Appends bytes that go out unencrypted, ahead of the first record (the plaintext INFO).
  void write_clear(std::string_view bytes) { output_.append(bytes); }
  // Queues close_notify once (established sessions only).
  void shutdown();

  // What to send: clear bytes and records in order. The owner swaps it out and sends it.
  std::string& output() { return output_; }

  // After the handshake: "1.3", "TLS_AES_128_GCM_SHA256" (nats-server's names).
  std::string version() const;
  std::string cipher() const;
  // The peer's certificate (owned by the session); null when none was presented.
  x509_st* peer_certificate() const;
  // Every certificate the peer sent, its own first, then the others in the order it sent
  // them (owned by the session); empty when it presented none.
  std::vector<x509_st*> peer_certificates() const;
  // Why the handshake or a read failed, for the log.
  const std::string& error() const { return error_; }
  // Role::Client: the handshake failed because the certificate is not for server_name.
  bool name_mismatch() const;

  // For the BIO (tls_session.cpp): feeds OpenSSL from the input.
  size_t read_input(char* out, size_t capacity);
  void note_verify_error(int code);

 private:
  void record_failure(int ssl_error, std::string_view what);

  std::shared_ptr<const TlsContext> context_;
  ssl_st* ssl_ = nullptr;
  bool established_ = false;
  bool shut_down_ = false;
  // Input: the caller's buffer (in place) after anything kept from earlier calls.
  const char* input_ = nullptr;
  size_t input_size_ = 0;
  std::string kept_;
  size_t kept_offset_ = 0;
  std::string output_;
  std::string error_;
  int verify_error_ = 0;  // the X509_V_ERR_* that failed the peer's certificate
};

// Hands a receive buffer to a session for one scope; whatever OpenSSL leaves unread is copied
// into the session when the scope ends.
class InputScope {
 public:
  InputScope(TlsSession& session, const char* data, size_t size) : session_(session) {
    session_.take_input(data, size);
  }
  ~InputScope() { session_.keep_unread(); }
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;

 private:
  TlsSession& session_;
};

}  // namespace zats::server::tls
