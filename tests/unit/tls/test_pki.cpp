// TestPki with OpenSSL 3: P-256 keys, X.509 v3 certificates, PEM files.
#include "tests/unit/tls/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace zats::server::test {
namespace {

struct Issuer {
  X509* cert;
  EVP_PKEY* key;
};

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  if (cert != nullptr) PEM_write_X509(f, cert);
  if (key != nullptr) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

X509_NAME* name_from(const std::string& subject) {
  X509_NAME* name = X509_NAME_new();
  // "/K=V/K=V", '+' joins attributes into one RDN, "\," is a literal comma.
  size_t i = 0;
  bool join = false;
  while (i < subject.size()) {
    if (subject[i] == '/' || subject[i] == '+') {
      join = subject[i] == '+';
      ++i;
      continue;
    }
    size_t eq = subject.find('=', i);
    std::string field = subject.substr(i, eq - i);
    std::string value;
    size_t j = eq + 1;
    for (; j < subject.size() && subject[j] != '/' && subject[j] != '+'; ++j) {
      if (subject[j] == '\\' && j + 1 < subject.size()) ++j;
      value.push_back(subject[j]);
    }
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()),
                               -1, join ? -1 : 0);
    join = false;
    i = j;
  }
  return name;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by `issuer` (self-signed when issuer.cert is null).
X509* make_cert(EVP_PKEY* key, const std::string& subject, const Issuer& issuer, bool ca,
                const std::string& alt_names, int valid_days) {
  static long serial = 1;
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  if (valid_days >= 0) {
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * valid_days);
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert), 86400L * (valid_days - 1));
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * valid_days);
  }
  X509_set_pubkey(cert, key);
  X509_NAME* name = name_from(subject);
  X509_set_subject_name(cert, name);
  X509_NAME_free(name);
  X509* signer = issuer.cert != nullptr ? issuer.cert : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  if (ca) {
    add_ext(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert, signer, NID_basic_constraints, "CA:FALSE");
    if (!alt_names.empty()) add_ext(cert, signer, NID_subject_alt_name, alt_names);
  }
  X509_sign(cert, issuer.key != nullptr ? issuer.key : key, EVP_sha256());
  return cert;
}

CertFiles write_pair(const std::string& dir, const std::string& name, X509* cert, EVP_PKEY* key) {
  CertFiles f{dir + "/" + name + ".pem", dir + "/" + name + "-key.pem"};
  write_pem(f.cert, cert, nullptr);
  write_pem(f.key, nullptr, key);
  return f;
}

Issuer load(const CertFiles& files) {
  Issuer out{nullptr, nullptr};
  FILE* f = std::fopen(files.cert.c_str(), "r");
  out.cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "r");
  out.key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return out;
}

CertFiles make_ca(const std::string& dir, const std::string& name, const std::string& subject) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = make_cert(key, subject, Issuer{nullptr, nullptr}, true, "", 2);
  CertFiles files = write_pair(dir, name, cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

CertFiles make_leaf(const std::string& dir, const std::string& name, const CertFiles& ca,
                    const ClientCertSpec& spec) {
  Issuer issuer = load(ca);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = make_cert(key, spec.subject, issuer, false, spec.alt_names, spec.valid_days);
  CertFiles files = write_pair(dir, name, cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  X509_free(issuer.cert);
  EVP_PKEY_free(issuer.key);
  return files;
}

}  // namespace

TestPki::TestPki() {
  char tmpl[] = "/tmp/zats-tls-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  ca_ = make_ca(dir_, "ca", "/CN=zats test CA");
  other_ca_ = make_ca(dir_, "other-ca", "/CN=some other CA");
  server_ = make_leaf(dir_, "server", ca_, {"/CN=localhost", "DNS:localhost,IP:127.0.0.1", 1});
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestPki::client(const std::string& name, const ClientCertSpec& spec, bool by_other_ca) {
  return make_leaf(dir_, name, by_other_ca ? other_ca_ : ca_, spec);
}

std::string TestPki::write(const std::string& name, const std::string& text) {
  std::string path = dir_ + "/" + name;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

std::string TestPki::read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace zats::server::test
