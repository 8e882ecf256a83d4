// TlsChannel over two OpenSSL memory BIOs.
#include "perf/tls_channel.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace zats::perf {

ssl_ctx_st* TlsChannel::make_context(const std::string& ca_file, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    *error = "SSL_CTX_new failed";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (!ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
      *error = "cannot load CA file " + ca_file;
      SSL_CTX_free(ctx);
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

void TlsChannel::free_context(ssl_ctx_st* context) { SSL_CTX_free(context); }

TlsChannel::TlsChannel(ssl_ctx_st* context) : ssl_(SSL_new(context)) {
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // empty means "more later", not end of stream
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_connect_state(ssl_);
}

TlsChannel::~TlsChannel() { SSL_free(ssl_); }

void TlsChannel::feed(const char* data, size_t size) { BIO_write(in_, data, static_cast<int>(size)); }

int TlsChannel::handshake() {
  if (established_) return 1;
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    established_ = true;
    return 1;
  }
  if (SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_READ) return 0;
  error_ = ERR_peek_last_error();
  return -1;
}

long TlsChannel::read(char* buf, size_t capacity) {
  size_t n = 0;
  ERR_clear_error();
  if (SSL_read_ex(ssl_, buf, capacity, &n) == 1) return static_cast<long>(n);
  if (SSL_get_error(ssl_, 0) == SSL_ERROR_WANT_READ) return 0;
  error_ = ERR_peek_last_error();
  return -1;
}

bool TlsChannel::write(const char* data, size_t size) {
  size_t n = 0;
  ERR_clear_error();
  if (size == 0 || SSL_write_ex(ssl_, data, size, &n) == 1) return true;
  error_ = ERR_peek_last_error();
  return false;
}

size_t TlsChannel::output_pending() const { return BIO_ctrl_pending(out_); }

void TlsChannel::take_output(std::string& out) {
  const size_t n = BIO_ctrl_pending(out_);
  if (n == 0) return;
  const size_t at = out.size();
  out.resize(at + n);
  BIO_read(out_, out.data() + at, static_cast<int>(n));
}

std::string TlsChannel::error() const {
  if (error_ == 0) return "tls: connection closed";
  const char* reason = ERR_reason_error_string(error_);
  return std::string("tls: ") + (reason != nullptr ? reason : "error");
}

}  // namespace zats::perf
