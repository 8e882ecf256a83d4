// Route certificates as credentials (auth.go isRouterAuthorized, checkClientTLSCertSubject): with
// `verify_and_map` in the cluster's tls block, a route that dialled us is authorized when a name
// in its verified certificate (an e-mail, DNS or URI alternative name, or the subject as
// nats-server prints it) is the cluster's user; with `verify_cert_and_check_known_urls`, when a
// DNS name of it is the host of one of our configured routes. Pure functions over what the TLS
// layer read from the certificate.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/auth/cert_identity.h"
#include "server/options.h"

namespace zats::cluster {

struct RouteCertificateRule {
  bool map = false;               // verify_and_map: a name equal to `user`
  std::string user;               // the cluster's user (authorization { user })
  bool check_known_urls = false;  // verify_cert_and_check_known_urls: a DNS name of `routes`
  const std::vector<server::RouteUrl>* routes = nullptr;
};

bool route_certificate_authorized(const server::auth::CertIdentity& certificate, const RouteCertificateRule& rule);

// RFC 6125 6.4.1 as auth.go dnsAltNameMatches: the same labels (without case), where a leading
// "*" label of the certificate's name matches any one label.
bool dns_name_matches_route(std::string_view dns_name, const std::vector<server::RouteUrl>& routes);

}  // namespace zats::cluster
