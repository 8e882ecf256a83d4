// Test helper: a throw-away PKI made with OpenSSL in a temporary directory (nothing secret is
// committed): a CA, a server certificate for localhost/127.0.0.1, client certificates with
// chosen subjects and alternative names, an expired one, and a second, unrelated CA.
#pragma once

#include <string>

namespace zats::server::test {

struct CertFiles {
  std::string cert;  // PEM path
  std::string key;   // PEM path
};

struct ClientCertSpec {
  std::string subject;   // "/C=US/O=Synadia/CN=alice" (openssl -subj style)
  std::string alt_names; // "email:a@b.c,DNS:x,URI:spiffe://y" (may be empty)
  int valid_days = 1;    // < 0: already expired
};

class TestPki {
 public:
  TestPki();   // creates the directory, the CAs and the server certificate
  ~TestPki();  // removes the directory
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  const CertFiles& ca() const { return ca_; }
  const CertFiles& other_ca() const { return other_ca_; }
  const CertFiles& server() const { return server_; }
  // A client certificate signed by the CA (or by the other CA).
  CertFiles client(const std::string& name, const ClientCertSpec& spec, bool by_other_ca = false);
  // Writes text to a file in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text);
  // A file's whole text (empty when it cannot be read).
  static std::string read(const std::string& path);

 private:
  std::string dir_;
  CertFiles ca_, other_ca_, server_;
};

}  // namespace zats::server::test
