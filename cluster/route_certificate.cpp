#include "cluster/route_certificate.h"

#include <algorithm>
#include <cctype>

#include "server/auth/distinguished_name.h"

namespace zats::cluster {
namespace {

std::vector<std::string> lower_labels(std::string_view name) {
  std::vector<std::string> labels(1);
  for (char c : name) {
    if (c == '.') {
      labels.emplace_back();
    } else {
      labels.back().push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return labels;
}

// One name from the certificate against the rule (the callback of isRouterAuthorized).
bool name_authorizes(const std::string& name, bool is_dns_name, const RouteCertificateRule& rule) {
  if (name.empty()) return false;
  if (rule.check_known_urls && is_dns_name && rule.routes != nullptr && dns_name_matches_route(name, *rule.routes))
    return true;
  return rule.map && name == rule.user;
}

}  // namespace

bool dns_name_matches_route(std::string_view dns_name, const std::vector<server::RouteUrl>& routes) {
  const std::vector<std::string> name = lower_labels(dns_name);
  return std::any_of(routes.begin(), routes.end(), [&](const server::RouteUrl& route) {
    const std::vector<std::string> host = lower_labels(route.host);
    if (host.size() != name.size()) return false;
    for (size_t i = name[0] == "*" ? 1 : 0; i < name.size(); ++i)
      if (name[i] != host[i]) return false;
    return true;
  });
}

// checkClientTLSCertSubject's order: e-mail names, DNS names, URIs, then the subject with its
// domain components, then the subject alone. (Its distinguished-name match passes no name, so
// it never authorizes a route.)
bool route_certificate_authorized(const server::auth::CertIdentity& cert, const RouteCertificateRule& rule) {
  const std::string subject = server::auth::go_subject_string(cert.subject);
  if (cert.emails.empty() && subject.empty() && cert.uris.empty()) return false;
  for (const std::string& e : cert.emails)
    if (name_authorizes(e, false, rule)) return true;
  for (const std::string& d : cert.dns_names)
    if (name_authorizes(d, true, rule)) return true;
  for (const std::string& u : cert.uris)
    if (name_authorizes(u, false, rule)) return true;
  if (const std::string dcs = server::auth::domain_components(cert.subject); !dcs.empty())
    if (name_authorizes(subject + "," + dcs, false, rule)) return true;
  return name_authorizes(subject, false, rule);
}

}  // namespace zats::cluster
