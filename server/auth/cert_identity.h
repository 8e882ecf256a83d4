// CertIdentity: what verify_and_map may take a user name from in a client's certificate (auth.go
// checkClientTLSCertSubject): its e-mail, DNS and URI subject alternative names and its subject.
// Filled by the TLS layer from the verified peer certificate; plain data, no OpenSSL.
#pragma once

#include <string>
#include <vector>

#include "server/auth/distinguished_name.h"

namespace zats::server::auth {

struct CertIdentity {
  std::vector<std::string> emails;     // rfc822Name SANs
  std::vector<std::string> dns_names;  // dNSName SANs
  std::vector<std::string> uris;       // uniformResourceIdentifier SANs
  RawSubject subject;                  // in encoding order
};

}  // namespace zats::server::auth
