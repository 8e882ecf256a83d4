// The cipher suite and curve names nats-server accepts in `cipher_suites` and
// `curve_preferences` (its ciphersuites.go), with their IANA ids and OpenSSL's names, and the
// names it shows in /connz ("TLS_AES_128_GCM_SHA256", version "1.3").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server::tls {

struct CipherSuite {
  std::string_view go_name;       // as nats-server spells it in config and /connz
  uint16_t id;                    // IANA
  std::string_view openssl_name;  // for SSL_CTX_set_cipher_list; empty for TLS 1.3 suites
};

struct Curve {
  std::string_view go_name;       // "X25519", "CurveP256", ...
  uint16_t id;                    // IANA group id
  std::string_view openssl_name;  // for SSL_CTX_set1_groups_list
};

const std::vector<CipherSuite>& cipher_suites();
const std::vector<Curve>& curves();

std::optional<uint16_t> cipher_id(std::string_view go_name);
std::optional<uint16_t> curve_id(std::string_view go_name);
// nats-server's tlsCipher(): the name, or "Unknown [0x1a2b]".
std::string cipher_name(uint16_t id);
// nats-server's tlsVersion(): "1.2", "1.3", or "Unknown [0x...]".
std::string version_name(int protocol_version);

// Go's defaults: the ECDHE AEAD suites (TLS 1.2) and X25519, P-256, P-384, P-521.
std::vector<uint16_t> default_ciphers();
std::vector<uint16_t> default_curves();

// OpenSSL list strings ("ECDHE-RSA-AES128-GCM-SHA256:...", "X25519:P-256"); TLS 1.3 suites are
// left out of the cipher list (as in Go, they are not configurable).
std::string openssl_cipher_list(const std::vector<uint16_t>& ids);
std::string openssl_group_list(const std::vector<uint16_t>& ids);

// The text of `zats --help_tls` (nats-server's tlsUsage plus the names above).
std::string tls_help_text();

}  // namespace zats::server::tls
