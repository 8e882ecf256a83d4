// Route certificates as credentials (cluster/route_certificate.h): verify_and_map against the
// cluster's user, verify_cert_and_check_known_urls against the configured routes' hosts, in the
// order and with the names nats-server's isRouterAuthorized uses.
#include <doctest/doctest.h>

#include "cluster/route_certificate.h"

using namespace zats;
using cluster::RouteCertificateRule;

namespace {

server::auth::CertIdentity subject_only(const std::string& cn) {
  server::auth::CertIdentity id;
  id.subject = {{{"2.5.4.6", "US", true}}, {{"2.5.4.10", "Synadia", true}}, {{"2.5.4.3", cn, true}}};
  return id;
}

std::vector<server::RouteUrl> routes(std::initializer_list<const char*> hosts) {
  std::vector<server::RouteUrl> out;
  for (const char* h : hosts) out.push_back(server::RouteUrl{std::string("nats-route://") + h + ":6222", h, 6222, "", ""});
  return out;
}

}  // namespace

TEST_CASE("verify_and_map: an e-mail, DNS or URI name, or the subject, equal to the cluster user") {
  server::auth::CertIdentity id = subject_only("route");
  id.emails = {"route@example.com"};
  id.dns_names = {"node1.example.com"};
  id.uris = {"spiffe://example.com/route"};
  for (const char* user : {"route@example.com", "node1.example.com", "spiffe://example.com/route",
                           "CN=route,O=Synadia,C=US"}) {
    CAPTURE(user);
    CHECK(cluster::route_certificate_authorized(id, {true, user, false, nullptr}));
    CHECK_FALSE(cluster::route_certificate_authorized(id, {false, user, false, nullptr}));  // map off
  }
  CHECK_FALSE(cluster::route_certificate_authorized(id, {true, "someone", false, nullptr}));
  CHECK_FALSE(cluster::route_certificate_authorized(id, {true, "", false, nullptr}));

  server::auth::CertIdentity with_dc = subject_only("route");
  with_dc.subject.insert(with_dc.subject.begin(), {{"0.9.2342.19200300.100.1.25", "org", true}});
  with_dc.subject.insert(with_dc.subject.begin() + 1, {{"0.9.2342.19200300.100.1.25", "example", true}});
  CHECK(cluster::route_certificate_authorized(with_dc, {true, "CN=route,O=Synadia,C=US,DC=org,DC=example", false,
                                                        nullptr}));
}

TEST_CASE("verify_cert_and_check_known_urls: a DNS name of the certificate is a configured route's host") {
  const std::vector<server::RouteUrl> configured = routes({"node1.example.com", "10.0.0.1"});
  server::auth::CertIdentity id = subject_only("x");
  id.dns_names = {"NODE1.example.com"};
  CHECK(cluster::route_certificate_authorized(id, {false, "", true, &configured}));
  id.dns_names = {"*.example.com"};  // a leading wildcard matches one label
  CHECK(cluster::route_certificate_authorized(id, {false, "", true, &configured}));
  id.dns_names = {"*.com"};
  CHECK_FALSE(cluster::route_certificate_authorized(id, {false, "", true, &configured}));
  id.dns_names = {"node1.*.com"};  // only the leftmost label may be a wildcard
  CHECK_FALSE(cluster::route_certificate_authorized(id, {false, "", true, &configured}));
  id.dns_names = {};
  id.emails = {"node1.example.com"};  // only DNS names count
  CHECK_FALSE(cluster::route_certificate_authorized(id, {false, "", true, &configured}));
}

TEST_CASE("dns_name_matches_route compares label by label") {
  const std::vector<server::RouteUrl> configured = routes({"a.b.c"});
  CHECK(cluster::dns_name_matches_route("a.b.c", configured));
  CHECK(cluster::dns_name_matches_route("*.b.c", configured));
  CHECK_FALSE(cluster::dns_name_matches_route("b.c", configured));
  CHECK_FALSE(cluster::dns_name_matches_route("x.a.b.c", configured));
  CHECK_FALSE(cluster::dns_name_matches_route("a.b.c", {}));
}
