// Name tables for cipher suites and curves, in nats-server's spelling.
#include "server/tls/cipher_suites.h"

#include <cstdio>

namespace zats::server::tls {
namespace {

std::string hex_unknown(unsigned value) {
  char text[32];
  std::snprintf(text, sizeof text, "Unknown [0x%x]", value);
  return text;
}

}  // namespace

const std::vector<CipherSuite>& cipher_suites() {
  static const std::vector<CipherSuite> table = {
      {"TLS_RSA_WITH_RC4_128_SHA", 0x0005, "RC4-SHA"},
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000a, "DES-CBC3-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", 0x002f, "AES128-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003c, "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "AES256-SHA"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xc007, "ECDHE-ECDSA-RC4-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009, "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a, "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xc011, "ECDHE-RSA-RC4-SHA"},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xc012, "ECDHE-RSA-DES-CBC3-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013, "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xc027, "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xc023, "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014, "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", 0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_AES_128_GCM_SHA256", 0x1301, ""},
      {"TLS_AES_256_GCM_SHA384", 0x1302, ""},
      {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, ""},
  };
  return table;
}

const std::vector<Curve>& curves() {
  static const std::vector<Curve> table = {
      {"X25519", 29, "X25519"},
      {"CurveP256", 23, "P-256"},
      {"CurveP384", 24, "P-384"},
      {"CurveP521", 25, "P-521"},
  };
  return table;
}

std::optional<uint16_t> cipher_id(std::string_view go_name) {
  for (const CipherSuite& c : cipher_suites())
    if (c.go_name == go_name) return c.id;
  return std::nullopt;
}

std::optional<uint16_t> curve_id(std::string_view go_name) {
  for (const Curve& c : curves())
    if (c.go_name == go_name) return c.id;
  return std::nullopt;
}

std::string cipher_name(uint16_t id) {
  for (const CipherSuite& c : cipher_suites())
    if (c.id == id) return std::string(c.go_name);
  return hex_unknown(id);
}

std::string version_name(int protocol_version) {
  switch (protocol_version) {
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
  }
  return hex_unknown(static_cast<unsigned>(protocol_version));
}

std::vector<uint16_t> default_ciphers() {
  return {0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030};
}

std::vector<uint16_t> default_curves() { return {29, 23, 24, 25}; }

std::string openssl_cipher_list(const std::vector<uint16_t>& ids) {
  std::string list;
  for (uint16_t id : ids) {
    for (const CipherSuite& c : cipher_suites()) {
      if (c.id != id || c.openssl_name.empty()) continue;
      if (!list.empty()) list += ':';
      list += c.openssl_name;
    }
  }
  return list;
}

std::string openssl_group_list(const std::vector<uint16_t>& ids) {
  std::string list;
  for (uint16_t id : ids) {
    for (const Curve& c : curves()) {
      if (c.id != id) continue;
      if (!list.empty()) list += ':';
      list += c.openssl_name;
    }
  }
  return list;
}

std::string tls_help_text() {
  std::string text = R"(
TLS configuration is specified in the tls section of a configuration file:

e.g.

    tls {
        cert_file:      "./certs/server-cert.pem"
        key_file:       "./certs/server-key.pem"
        ca_file:        "./certs/ca.pem"
        verify:         true
        verify_and_map: true

        cipher_suites: [
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
        curve_preferences: [
            "CurveP256",
            "CurveP384",
            "CurveP521"
        ]
    }

Available cipher suites include:
)";
  for (const CipherSuite& c : cipher_suites()) text += "    " + std::string(c.go_name) + "\n";
  text += "\nAvailable curve preferences include:\n";
  for (const Curve& c : curves()) text += "    " + std::string(c.go_name) + "\n";
  return text;
}

}  // namespace zats::server::tls
