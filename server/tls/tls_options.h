// TlsOptions: a `tls {}` block (or the --tls* flags) as configured, before any file is read:
// the key names and meanings of nats-server 2.9's TLSConfigOpts. TlsContext builds the OpenSSL
// context from it; reload compares two of them to see whether certificates must be reloaded.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace zats::server::tls {

struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;             // CAs peer certificates must chain to (clients', routes')
  bool verify = false;             // require and verify a client certificate
  bool map = false;                // verify_and_map: the certificate names the user
  bool insecure = false;           // routes we dial: skip verifying the peer (chain and name)
  bool check_known_urls = false;   // verify_cert_and_check_known_urls (routes only)
  double timeout = 0;              // handshake timeout in seconds; 0: the default (2)
  int64_t rate_limit = 0;          // connection_rate_limit: new TLS connections per second (0: none)
  std::vector<uint16_t> ciphers;   // TLS 1.2 cipher suites, IANA ids (empty: the defaults)
  std::vector<uint16_t> curves;    // key exchange groups, IANA ids (empty: the defaults)
  std::set<std::string> pinned_certs;  // lower-case hex SHA-256 of a certificate's SubjectPublicKeyInfo

  bool operator==(const TlsOptions&) const = default;
};

// nats-server's TLS_TIMEOUT.
inline constexpr double kDefaultTlsTimeoutSeconds = 2.0;

}  // namespace zats::server::tls
