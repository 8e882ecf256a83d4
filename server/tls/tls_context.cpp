// TlsContext: certificate, key and CA files read from memory (so errors carry Go's texts),
// then one SSL_CTX configured like nats-server's tls.Config.
#include "server/tls/tls_context.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "server/config/config_file.h"
#include "server/tls/cipher_suites.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

namespace zats::server::tls {
namespace {

// Go 1.19's TLS 1.3 preference (AES-128 first on hardware with AES instructions).
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompt for a pass phrase: an encrypted key is an error, not a terminal read.
int no_passphrase(char*, int, int, void*) { return 0; }

// The types of the PEM blocks in a text ("CERTIFICATE", "EC PRIVATE KEY", ...), in order.
std::vector<std::string> pem_block_types(const std::string& pem) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  std::vector<std::string> types;
  for (size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at + 1)) {
    size_t from = at + kBegin.size();
    size_t end = pem.find("-----", from);
    if (end == std::string::npos) break;
    types.push_back(pem.substr(from, end - from));
  }
  return types;
}

bool is_key_block(const std::string& type) {
  return type == "PRIVATE KEY" || (type.size() > 12 && type.compare(type.size() - 12, 12, " PRIVATE KEY") == 0);
}

std::string joined(const std::vector<std::string>& types) {
  std::string out;
  for (const std::string& t : types) out += (out.empty() ? "" : " ") + t;
  return out;
}

// crypto/tls's texts for a certificate input without a certificate.
std::string no_certificate_reason(const std::string& pem) {
  std::vector<std::string> types = pem_block_types(pem);
  if (types.empty()) return "tls: failed to find any PEM data in certificate input";
  for (const std::string& t : types)
    if (is_key_block(t))
      return "tls: failed to find certificate PEM data in certificate input, but did find a private key; "
             "PEM inputs may have been switched";
  return "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of "
         "the following types: [" + joined(types) + "]";
}

// ... and for a key input without a key.
std::string no_key_reason(const std::string& pem) {
  std::vector<std::string> types = pem_block_types(pem);
  if (types.empty()) return "tls: failed to find any PEM data in key input";
  bool has_key = false;
  for (const std::string& t : types) has_key = has_key || is_key_block(t);
  if (has_key) return "tls: failed to parse private key";
  for (const std::string& t : types)
    if (t == "CERTIFICATE") return "tls: found a certificate rather than a key in the PEM for the private key";
  return "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM "
         "blocks of the following types: [" + joined(types) + "]";
}

// The certificate chain (leaf first) of a PEM file.
bool use_certificate_chain(SSL_CTX* ctx, const std::string& pem, std::string* error) {
  BioPtr bio = memory_bio(pem);
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    ERR_clear_error();
    *error = no_certificate_reason(pem);
    return false;
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    ERR_clear_error();
    *error = "tls: failed to parse certificate";
    return false;
  }
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      ERR_clear_error();
      *error = "tls: failed to parse certificate";
      return false;
    }
  }
  ERR_clear_error();  // the end of the file is reported as a PEM "no start line"
  return true;
}

bool use_private_key(SSL_CTX* ctx, const std::string& pem, std::string* error) {
  BioPtr bio = memory_bio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    *error = no_key_reason(pem);
    return false;
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    *error = "tls: private key does not match public key";
    return false;
  }
  return true;
}

// tls.LoadX509KeyPair: both files read first, then parsed.
bool load_key_pair(SSL_CTX* ctx, const TlsOptions& o, std::string* error) {
  std::string cert_pem, key_pem, why;
  bool ok = config::read_config_file_text(o.cert_file, &cert_pem, &why) &&
            config::read_config_file_text(o.key_file, &key_pem, &why) &&
            use_certificate_chain(ctx, cert_pem, &why) && use_private_key(ctx, key_pem, &why);
  if (!ok) *error = "error parsing X509 certificate/key pair: " + why;
  return ok;
}

// The client CAs: every certificate of the file goes into the verification store, and their
// subjects into the CertificateRequest (as Go's ClientCAs pool does).
bool load_client_cas(SSL_CTX* ctx, const std::string& path, std::string* error) {
  std::string pem;
  if (!config::read_config_file_text(path, &pem, error)) return false;
  BioPtr bio = memory_bio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert))) sk_X509_NAME_push(names, name);
    X509_free(cert);
  }
  ERR_clear_error();
  if (added == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    *error = "failed to parse root ca certificate";
    return false;
  }
  SSL_CTX_set_client_CA_list(ctx, names);
  return true;
}

// Protocol versions, suites, groups and the options that are the same for every context.
bool configure_protocol(SSL_CTX* ctx, const TlsOptions& o, std::string* error) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // Stateless TLS 1.3 tickets (one, as Go sends), no server-side session cache: nothing
  // shared between workers is written per handshake.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_ciphersuites(ctx, kTls13Suites);
  std::string ciphers = openssl_cipher_list(o.ciphers.empty() ? default_ciphers() : o.ciphers);
  // Only TLS 1.3 suites (or ones this OpenSSL lacks) configured: Go then negotiates TLS 1.3 only.
  if (ciphers.empty() || SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    ERR_clear_error();
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  }
  std::string groups = openssl_group_list(o.curves.empty() ? default_curves() : o.curves);
  if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
    ERR_clear_error();
    *error = "error parsing tls config, no usable curve preferences";
    return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const TlsOptions& o, std::string* error) {
  if (!o.cert_file.empty() && o.key_file.empty()) {
    *error = "missing 'key_file' in TLS configuration";
    return nullptr;
  }
  if (o.cert_file.empty() && !o.key_file.empty()) {
    *error = "missing 'cert_file' in TLS configuration";
    return nullptr;
  }
  CtxPtr ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) {
    *error = "tls: cannot create an OpenSSL context";
    return nullptr;
  }
  if (!configure_protocol(ctx.get(), o, error)) return nullptr;
  if (!o.cert_file.empty() && !load_key_pair(ctx.get(), o, error)) return nullptr;
  if (o.verify) SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  if (!o.ca_file.empty()) {
    if (!load_client_cas(ctx.get(), o.ca_file, error)) return nullptr;
  } else if (o.verify) {
    SSL_CTX_set_default_verify_paths(ctx.get());  // Go verifies against the system roots then
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx.release(), o));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

// Setting the ULP on an unconnected socket loads the module if it can and then fails with
// ENOTCONN; ENOENT means the kernel has no TLS offload at all.
bool TlsContext::kernel_tls_available() {
  static const bool available = [] {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int rc = ::setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3);
    int err = errno;
    ::close(fd);
    return rc == 0 || err == ENOTCONN;
  }();
  return available;
}

}  // namespace zats::server::tls
