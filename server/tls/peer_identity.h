// What the server needs from a client's certificate: the names verify_and_map looks at
// (auth::CertIdentity), the key fingerprint pinned_certs lists (hex SHA-256 of the DER
// SubjectPublicKeyInfo, as nats-server computes it) and what /connz?auth=1 shows of it.
#pragma once

#include <set>
#include <string>

#include "server/auth/cert_identity.h"

struct x509_st;

namespace zats::server::tls {

auth::CertIdentity cert_identity(const x509_st* certificate);
std::string public_key_sha256(const x509_st* certificate);
// Hex SHA-256 of the whole DER certificate.
std::string certificate_sha256(const x509_st* certificate);
// The subject as nats-server prints it in /connz (auth::go_name_string).
std::string subject_string(const x509_st* certificate);
// pinned_certs: whether the certificate's key is one of `pins`; with no pins, any certificate is.
bool certificate_pinned(const std::set<std::string>& pins, const x509_st* certificate);

}  // namespace zats::server::tls
