// TlsSession: a client and a server session handshake and talk through memory only, as the
// worker drives them (input in place, unread bytes kept, output appended).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "proto/hex.h"
#include "server/tls/peer_identity.h"
#include "server/tls/tls_context.h"
#include "server/tls/tls_session.h"
#include "tests/unit/tls/test_pki.h"

using namespace zats::server;
using tls::TlsSession;

namespace {

std::shared_ptr<const tls::TlsContext> context(const tls::TlsOptions& o) {
  std::string error;
  auto ctx = tls::TlsContext::create(o, &error);
  REQUIRE_MESSAGE(ctx != nullptr, error);
  return ctx;
}

// Moves everything `from` has to send into `to`, in chunks of `chunk` bytes (each chunk is a
// separate receive buffer that goes away after the call, as a provided buffer does).
void pump(TlsSession& from, TlsSession& to, size_t chunk = 1 << 20) {
  std::string bytes;
  bytes.swap(from.output());
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    std::string piece = bytes.substr(at, chunk);
    {
      tls::InputScope input(to, piece.data(), piece.size());
      if (!to.established()) to.handshake();
    }
    piece.assign(piece.size(), 'X');  // the buffer is reused: kept bytes must be a copy
  }
}

// Runs both handshakes to the end; false when either fails.
bool handshake(TlsSession& client, TlsSession& server, size_t chunk = 1 << 20) {
  client.handshake();
  for (int round = 0; round < 10 && !(client.established() && server.established()); ++round) {
    pump(client, server, chunk);
    if (server.handshake() == TlsSession::Progress::Failed) return false;
    pump(server, client, chunk);
    if (client.handshake() == TlsSession::Progress::Failed) return false;
  }
  pump(server, client, chunk);  // tickets
  return client.established() && server.established();
}

// The client learns of a rejected certificate from the server's alert, after its own side of
// a TLS 1.3 handshake has finished; returns what reading that alert reports.
std::string alert_seen_by(TlsSession& client, TlsSession& server) {
  pump(server, client);
  char buf[64];
  return client.read(buf, sizeof buf) == TlsSession::kBroken ? client.error() : std::string("no alert");
}

std::string read_all(TlsSession& s) {
  std::string out;
  char buf[TlsSession::kMaxRecordPlaintext];
  for (;;) {
    long n = s.read(buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

struct Pair {
  test::TestPki pki;
  tls::TlsOptions server_options, client_options;
  Pair() {
    server_options.cert_file = pki.server().cert;
    server_options.key_file = pki.server().key;
    client_options.ca_file = pki.ca().cert;
  }
};

}  // namespace

TEST_CASE("a client and a server session handshake over memory and exchange data both ways") {
  Pair p;
  TlsSession server(context(p.server_options), TlsSession::Role::Server);
  TlsSession client(context(p.client_options), TlsSession::Role::Client, "localhost");
  REQUIRE(handshake(client, server));
  CHECK(server.version() == "1.3");
  CHECK(server.cipher() == "TLS_AES_128_GCM_SHA256");
  CHECK(client.cipher() == "TLS_AES_128_GCM_SHA256");
  CHECK(server.peer_certificate() == nullptr);  // no client certificate asked for

  REQUIRE(client.write("CONNECT {}\r\nPING\r\n"));
  pump(client, server);
  CHECK(server.unread() > 0);
  CHECK(read_all(server) == "CONNECT {}\r\nPING\r\n");
  INFO(server.error());
  CHECK(server.error() == "");

  // A large write becomes several records; the reader gets it whole, also when the bytes
  // arrive in odd-sized pieces that split records.
  std::string big(200'000, 'm');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  REQUIRE(server.write(big));
  std::string received;
  std::string wire;
  wire.swap(server.output());
  for (size_t at = 0; at < wire.size(); at += 1000) {
    std::string piece = wire.substr(at, 1000);
    tls::InputScope input(client, piece.data(), piece.size());
    received += read_all(client);
  }
  CHECK(received == big);
  CHECK(client.unread() == 0);
}

TEST_CASE("a handshake fed one byte at a time completes") {
  Pair p;
  TlsSession server(context(p.server_options), TlsSession::Role::Server);
  TlsSession client(context(p.client_options), TlsSession::Role::Client, "localhost");
  REQUIRE(handshake(client, server, 1));
}

TEST_CASE("clear bytes go out ahead of the first record") {
  Pair p;
  TlsSession server(context(p.server_options), TlsSession::Role::Server);
  server.write_clear("INFO {} \r\n");
  CHECK(server.output() == "INFO {} \r\n");
}

TEST_CASE("a plaintext peer fails the handshake with Go's words") {
  Pair p;
  TlsSession server(context(p.server_options), TlsSession::Role::Server);
  std::string hello = "CONNECT {}\r\nPING\r\n";
  tls::InputScope input(server, hello.data(), hello.size());
  CHECK(server.handshake() == TlsSession::Progress::Failed);
  CHECK(server.error() == "tls: first record does not look like a TLS handshake");
}

TEST_CASE("client certificates: required, verified against the CA, failures named") {
  Pair p;
  p.server_options.verify = true;
  p.server_options.ca_file = p.pki.ca().cert;
  auto server_ctx = context(p.server_options);

  SUBCASE("a good certificate is accepted and visible") {
    test::CertFiles alice = p.pki.client("alice", {"/O=Synadia/CN=alice", "email:alice@example.com", 1});
    tls::TlsOptions co = p.client_options;
    co.cert_file = alice.cert;
    co.key_file = alice.key;
    TlsSession server(server_ctx, TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    REQUIRE(handshake(client, server));
    CHECK(server.peer_certificate() != nullptr);
  }
  SUBCASE("the certificates the peer sent, its own first, each once") {
    test::CertFiles bob = p.pki.client("bob", {"/O=Synadia/CN=bob/emailAddress=bob@example.com", "", 1});
    tls::TlsOptions co = p.client_options;
    // The CA's certificate goes along, as an intermediate would.
    co.cert_file = p.pki.write("bob-chain.pem", test::TestPki::read(bob.cert) + test::TestPki::read(p.pki.ca().cert));
    co.key_file = bob.key;
    TlsSession server(server_ctx, TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    REQUIRE(handshake(client, server));
    std::vector<x509_st*> sent = server.peer_certificates();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0] == server.peer_certificate());
    CHECK(X509_NAME_cmp(X509_get_subject_name(sent[1]), X509_get_issuer_name(sent[0])) == 0);  // the CA
    CHECK(tls::subject_string(sent[0]) == "CN=bob,O=Synadia,1.2.840.113549.1.9.1=#0c0f626f62406578616d706c652e636f6d");
    unsigned char digest[32];
    unsigned int size = 0;
    REQUIRE(X509_digest(sent[0], EVP_sha256(), digest, &size) == 1);
    std::string hex;
    for (unsigned char b : digest) zats::proto::append_hex(hex, b, 2);
    CHECK(tls::certificate_sha256(sent[0]) == hex);
    // The client's view: OpenSSL completed the server's chain from its CA file.
    std::vector<x509_st*> received = client.peer_certificates();
    REQUIRE(received.size() == 2);
    CHECK(received[0] == client.peer_certificate());
    CHECK(X509_NAME_cmp(X509_get_subject_name(received[1]), X509_get_issuer_name(received[0])) == 0);
  }
  SUBCASE("no certificate") {
    TlsSession server(server_ctx, TlsSession::Role::Server);
    TlsSession client(context(p.client_options), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
    CHECK_FALSE(server.established());
    CHECK(alert_seen_by(client, server) == "tls: tlsv13 alert certificate required");
  }
  SUBCASE("a certificate from another CA gets bad_certificate, and the reason is logged") {
    test::CertFiles mallory = p.pki.client("mallory", {"/CN=mallory", "", 1}, /*by_other_ca=*/true);
    tls::TlsOptions co = p.client_options;
    co.cert_file = mallory.cert;
    co.key_file = mallory.key;
    TlsSession server(server_ctx, TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
    CHECK(server.error().find("unable to get local issuer certificate") != std::string::npos);
    CHECK(alert_seen_by(client, server) == "tls: sslv3 alert bad certificate");
  }
  SUBCASE("an expired certificate") {
    test::CertFiles old = p.pki.client("old", {"/CN=old", "", -1});
    tls::TlsOptions co = p.client_options;
    co.cert_file = old.cert;
    co.key_file = old.key;
    TlsSession server(server_ctx, TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
    CHECK(server.error().find("certificate has expired") != std::string::npos);
    CHECK(alert_seen_by(client, server) == "tls: sslv3 alert bad certificate");
  }
}

TEST_CASE("a client session checks the server's name and CA") {
  Pair p;
  SUBCASE("wrong name") {
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(p.client_options), TlsSession::Role::Client, "example.com");
    CHECK_FALSE(handshake(client, server));
  }
  SUBCASE("unknown CA") {
    tls::TlsOptions co;
    co.ca_file = p.pki.other_ca().cert;
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
  }
  SUBCASE("insecure skips verification") {
    tls::TlsOptions co;
    co.insecure = true;
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "example.com");
    CHECK(handshake(client, server));
  }
}

TEST_CASE("a dialling session checks a name or an address against the certificate's names") {
  Pair p;  // the server certificate is for DNS:localhost and IP:127.0.0.1
  for (const char* ok : {"localhost", "LOCALHOST", "127.0.0.1"}) {
    CAPTURE(ok);
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(p.client_options), TlsSession::Role::Client, ok);
    CHECK(handshake(client, server));
    CHECK_FALSE(client.name_mismatch());
  }
  for (const char* wrong : {"127.0.0.2", "::1", "example.com"}) {
    CAPTURE(wrong);
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(p.client_options), TlsSession::Role::Client, wrong);
    CHECK_FALSE(handshake(client, server));
    CHECK(client.name_mismatch());
    CHECK(client.error().find("mismatch") != std::string::npos);
  }
  SUBCASE("the subject's common name is not a name (as in Go)") {
    tls::TlsOptions so;
    test::CertFiles cn_only = p.pki.client("cn-only", {"/CN=localhost", ""});
    so.cert_file = cn_only.cert;
    so.key_file = cn_only.key;
    TlsSession server(context(so), TlsSession::Role::Server);
    TlsSession client(context(p.client_options), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
    CHECK(client.name_mismatch());
  }
  SUBCASE("an unknown CA is not a name mismatch") {
    tls::TlsOptions co;
    co.ca_file = p.pki.other_ca().cert;
    TlsSession server(context(p.server_options), TlsSession::Role::Server);
    TlsSession client(context(co), TlsSession::Role::Client, "localhost");
    CHECK_FALSE(handshake(client, server));
    CHECK_FALSE(client.name_mismatch());
  }
}

TEST_CASE("close_notify reads as the peer closing") {
  Pair p;
  TlsSession server(context(p.server_options), TlsSession::Role::Server);
  TlsSession client(context(p.client_options), TlsSession::Role::Client, "localhost");
  REQUIRE(handshake(client, server));
  REQUIRE(client.write("PING\r\n"));
  client.shutdown();
  client.shutdown();  // once only
  std::string wire;
  wire.swap(client.output());
  tls::InputScope input(server, wire.data(), wire.size());
  char buf[64];
  CHECK(server.read(buf, sizeof buf) == 6);
  CHECK(server.read(buf, sizeof buf) == TlsSession::kPeerClosed);
}

TEST_CASE("configured cipher suites and curves are used for TLS 1.2") {
  Pair p;
  p.server_options.ciphers = {0xc02c};  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
  p.server_options.curves = {23};       // P-256
  auto server_ctx = context(p.server_options);
  auto client_ctx = context(p.client_options);
  SSL_CTX_set_max_proto_version(client_ctx->native(), TLS1_2_VERSION);
  TlsSession server(server_ctx, TlsSession::Role::Server);
  TlsSession client(client_ctx, TlsSession::Role::Client, "localhost");
  REQUIRE(handshake(client, server));
  CHECK(server.version() == "1.2");
  CHECK(server.cipher() == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
}
