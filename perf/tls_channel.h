// TlsChannel: the client side of one TLS connection for zats-bench's --tls mode, over OpenSSL
// memory BIOs: received ciphertext is fed in, plaintext comes out, plaintext to send is sealed
// and the records taken out for the io_uring send. No socket, no blocking. (The server has its
// own session class; perf links nothing of the server, so a broken zats cannot bend the bench.)
#pragma once

#include <cstddef>
#include <string>

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace zats::perf {

class TlsChannel {
 public:
  // One context for the whole run: TLS 1.2+, the server verified against ca_file when given
  // (no verification otherwise: benchmarks often use self-signed certificates). Null + error.
  static ssl_ctx_st* make_context(const std::string& ca_file, std::string* error);
  static void free_context(ssl_ctx_st* context);

  explicit TlsChannel(ssl_ctx_st* context);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  void feed(const char* data, size_t size);
  // Advances the handshake: 1 done, 0 needs more input, -1 failed (error()).
  int handshake();
  bool established() const { return established_; }
  // Plaintext into buf: > 0 bytes, 0 when more input is needed, < 0 closed or broken.
  long read(char* buf, size_t capacity);
  bool write(const char* data, size_t size);
  // Records waiting to be sent, appended to `out`.
  void take_output(std::string& out);
  size_t output_pending() const;
  std::string error() const;

 private:
  ssl_st* ssl_;
  bio_st* in_;   // owned by ssl_
  bio_st* out_;  // owned by ssl_
  bool established_ = false;
  unsigned long error_ = 0;
};

}  // namespace zats::perf
