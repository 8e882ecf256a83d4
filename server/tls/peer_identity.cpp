// Reading a certificate's alternative names, subject, public key and digests with OpenSSL.
#include "server/tls/peer_identity.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "proto/hex.h"

namespace zats::server::tls {
namespace {

std::string utf8_of(const ASN1_STRING* s) {
  unsigned char* text = nullptr;
  int n = ASN1_STRING_to_UTF8(&text, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(text), static_cast<size_t>(n));
  OPENSSL_free(text);
  return out;
}

std::string oid_of(const ASN1_OBJECT* object) {
  char text[128];
  int n = OBJ_obj2txt(text, sizeof text, object, /*no_name=*/1);
  return n > 0 ? std::string(text, static_cast<size_t>(std::min<int>(n, sizeof text - 1))) : std::string();
}

bool is_string_type(int type) {
  switch (type) {
    case V_ASN1_UTF8STRING: case V_ASN1_PRINTABLESTRING: case V_ASN1_IA5STRING: case V_ASN1_T61STRING:
    case V_ASN1_BMPSTRING: case V_ASN1_UNIVERSALSTRING: case V_ASN1_NUMERICSTRING: case V_ASN1_VISIBLESTRING:
      return true;
  }
  return false;
}

// The subject's RDNs in encoding order; entries of one multi-valued RDN share a set number.
auth::RawSubject raw_subject(const X509_NAME* name) {
  auth::RawSubject subject;
  int last_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int set = X509_NAME_ENTRY_set(entry);
    if (subject.empty() || set != last_set) subject.emplace_back();
    last_set = set;
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    auth::SubjectAttribute a;
    a.oid = oid_of(X509_NAME_ENTRY_get_object(entry));
    a.is_string = is_string_type(ASN1_STRING_type(data));
    if (a.is_string) a.value = utf8_of(data);
    subject.back().push_back(std::move(a));
  }
  return subject;
}

void read_alt_names(const X509* cert, auth::CertIdentity& id) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_EMAIL) id.emails.push_back(utf8_of(n->d.rfc822Name));
    else if (n->type == GEN_DNS) id.dns_names.push_back(utf8_of(n->d.dNSName));
    else if (n->type == GEN_URI) id.uris.push_back(utf8_of(n->d.uniformResourceIdentifier));
  }
  GENERAL_NAMES_free(names);
}

// Hashes and frees DER bytes an i2d_* call allocated (n: its result).
std::string hex_sha256_of_der(unsigned char* der, int n) {
  if (n <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(der, static_cast<size_t>(n), digest, &size, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string out;
  for (unsigned i = 0; i < size; ++i) proto::append_hex(out, digest[i], 2);
  return out;
}

}  // namespace

auth::CertIdentity cert_identity(const x509_st* certificate) {
  auth::CertIdentity id;
  if (certificate == nullptr) return id;
  read_alt_names(certificate, id);
  id.subject = raw_subject(X509_get_subject_name(certificate));
  return id;
}

std::string public_key_sha256(const x509_st* certificate) {
  if (certificate == nullptr) return {};
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(X509_get0_pubkey(certificate), &der);
  return hex_sha256_of_der(der, n);
}

std::string certificate_sha256(const x509_st* certificate) {
  if (certificate == nullptr) return {};
  unsigned char* der = nullptr;
  int n = i2d_X509(certificate, &der);
  return hex_sha256_of_der(der, n);
}

std::string subject_string(const x509_st* certificate) {
  if (certificate == nullptr) return {};
  return auth::go_name_string(raw_subject(X509_get_subject_name(certificate)));
}

bool certificate_pinned(const std::set<std::string>& pins, const x509_st* certificate) {
  return pins.empty() || (certificate != nullptr && pins.contains(public_key_sha256(certificate)));
}

}  // namespace zats::server::tls
