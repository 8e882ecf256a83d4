// TlsContext: the OpenSSL context (SSL_CTX) built from a TlsOptions, the way nats-server's
// GenTLSConfig builds its tls.Config: certificate and key, client CAs, client-certificate
// verification, TLS 1.2 minimum, the configured cipher suites and curves, server preference.
// Building it reads the files, so a bad path or PEM fails here, with nats-server's texts
// ("error parsing X509 certificate/key pair: open x.pem: no such file or directory"), at
// config-load time. Immutable once built and shared by every worker (OpenSSL allows SSL_new
// on one SSL_CTX from several threads); a reload builds a new one for new connections while
// existing sessions keep theirs. One context serves both roles (accepting, and connecting
// out for routes).
#pragma once

#include <memory>
#include <string>

#include "server/tls/tls_options.h"

struct ssl_ctx_st;

namespace zats::server::tls {

class TlsContext {
 public:
  static std::shared_ptr<const TlsContext> create(const TlsOptions& options, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  const TlsOptions& options() const { return options_; }
  // Client certificates are required and verified.
  bool verify() const { return options_.verify; }
  // Whether the kernel offers TLS offload (the `tls` TCP ULP); probed once per process.
  static bool kernel_tls_available();

 private:
  TlsContext(ssl_ctx_st* ctx, TlsOptions options) : ctx_(ctx), options_(std::move(options)) {}

  ssl_ctx_st* ctx_;
  TlsOptions options_;
};

}  // namespace zats::server::tls
