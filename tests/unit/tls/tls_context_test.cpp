// TlsContext: what building a context from a `tls {}` block reports, in nats-server's words.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "server/tls/cipher_suites.h"
#include "server/tls/tls_context.h"
#include "tests/unit/tls/test_pki.h"

using namespace zats::server;

namespace {

std::string build_error(const tls::TlsOptions& o) {
  std::string error;
  auto ctx = tls::TlsContext::create(o, &error);
  return ctx ? std::string("ok") : error;
}

}  // namespace

TEST_CASE("a certificate and key build a context; without files TLS is still on") {
  test::TestPki pki;
  tls::TlsOptions o;
  o.cert_file = pki.server().cert;
  o.key_file = pki.server().key;
  CHECK(build_error(o) == "ok");
  CHECK(build_error(tls::TlsOptions{}) == "ok");  // GenTLSConfig accepts a block with no files
}

TEST_CASE("missing, unreadable and wrong files are named as nats-server names them") {
  test::TestPki pki;
  tls::TlsOptions o;
  o.cert_file = pki.server().cert;
  CHECK(build_error(o) == "missing 'key_file' in TLS configuration");
  o.cert_file.clear();
  o.key_file = pki.server().key;
  CHECK(build_error(o) == "missing 'cert_file' in TLS configuration");

  o.cert_file = pki.dir() + "/nope.pem";
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: open " + pki.dir() +
                              "/nope.pem: no such file or directory");
  o.cert_file = pki.dir();
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: read " + pki.dir() + ": is a directory");

  o.cert_file = pki.server().key;  // switched
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: tls: failed to find certificate PEM data in "
                          "certificate input, but did find a private key; PEM inputs may have been switched");
  o.cert_file = pki.server().cert;
  o.key_file = pki.server().cert;
  CHECK(build_error(o) ==
        "error parsing X509 certificate/key pair: tls: found a certificate rather than a key in the PEM for the private key");
  o.key_file = pki.ca().key;
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: tls: private key does not match public key");
  o.key_file = pki.write("empty.pem", "nothing here\n");
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: tls: failed to find any PEM data in key input");

  o.key_file = pki.server().key;
  o.ca_file = pki.dir() + "/no-ca.pem";
  CHECK(build_error(o) == "open " + pki.dir() + "/no-ca.pem: no such file or directory");
  o.ca_file = pki.server().key;
  CHECK(build_error(o) == "failed to parse root ca certificate");

  if (::geteuid() != 0) {  // root reads any file
    std::string locked = pki.write("locked.pem", test::TestPki::read(pki.server().key));
    ::chmod(locked.c_str(), 0);
    o.ca_file.clear();
    o.key_file = locked;
    CHECK(build_error(o) == "error parsing X509 certificate/key pair: open " + locked + ": permission denied");
  }
}

TEST_CASE("an encrypted key is refused without prompting") {
  test::TestPki pki;
  std::string encrypted = pki.write("enc.pem",
                                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHeMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAh\n"
                                    "-----END ENCRYPTED PRIVATE KEY-----\n");
  tls::TlsOptions o;
  o.cert_file = pki.server().cert;
  o.key_file = encrypted;
  CHECK(build_error(o) == "error parsing X509 certificate/key pair: tls: failed to parse private key");
}

TEST_CASE("cipher and curve names are nats-server's") {
  CHECK(tls::cipher_id("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == 0xc02f);
  CHECK(tls::cipher_id("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305") == 0xcca8);
  CHECK_FALSE(tls::cipher_id("TLS_NOPE"));
  CHECK(tls::cipher_name(0x1301) == "TLS_AES_128_GCM_SHA256");
  CHECK(tls::cipher_name(0x1234) == "Unknown [0x1234]");
  CHECK(tls::curve_id("CurveP384") == 24);
  CHECK(tls::version_name(0x0304) == "1.3");
  CHECK(tls::version_name(0x0303) == "1.2");
  CHECK(tls::openssl_cipher_list(tls::default_ciphers()) ==
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
        "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384");
  CHECK(tls::openssl_group_list(tls::default_curves()) == "X25519:P-256:P-384:P-521");
  std::string help = tls::tls_help_text();
  CHECK(help.find("TLS configuration is specified in the tls section of a configuration file") != std::string::npos);
  CHECK(help.find("    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305\n") != std::string::npos);
  CHECK(help.find("Available curve preferences include:\n    X25519\n") != std::string::npos);
}
