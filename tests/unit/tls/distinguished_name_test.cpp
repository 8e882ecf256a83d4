// verify_and_map's names and /connz's subjects: Go's subject strings, RFC 4514 parsing and
// matching, and which user a certificate maps to (expected strings checked against Go 1.19's
// crypto/x509).
#include <doctest/doctest.h>

#include "server/auth/authenticator.h"
#include "server/auth/distinguished_name.h"

using namespace zats::server;
using auth::RawSubject;
using auth::SubjectAttribute;

namespace {

SubjectAttribute at(std::string oid, std::string value) { return {std::move(oid), std::move(value), true}; }

// /C=US/ST=CA/L=LA/O=Synadia/OU=nats.io/OU=core/CN=alice
RawSubject alice() {
  return {{at("2.5.4.6", "US")},   {at("2.5.4.8", "CA")},       {at("2.5.4.7", "LA")},      {at("2.5.4.10", "Synadia")},
          {at("2.5.4.11", "nats.io")}, {at("2.5.4.11", "core")}, {at("2.5.4.3", "alice")}};
}

auth::User user(std::string name, std::string password = {}) {
  auth::User u;
  u.name = std::move(name);
  u.password = std::move(password);
  return u;
}

}  // namespace

TEST_CASE("a subject prints as Go prints it: known types, most specific first, one RDN per type") {
  CHECK(auth::go_subject_string(alice()) == "CN=alice,OU=nats.io+OU=core,O=Synadia,L=LA,ST=CA,C=US");
  // Domain components, user ids and e-mail attributes are not part of Go's string.
  RawSubject bob = {{at("0.9.2342.19200300.100.1.25", "org")}, {at("0.9.2342.19200300.100.1.25", "example")},
                    {at("2.5.4.3", "bob")}, {at("0.9.2342.19200300.100.1.1", "b1")}};
  CHECK(auth::go_subject_string(bob) == "CN=bob");
  CHECK(auth::domain_components(bob) == "DC=org,DC=example");
  // Escaping; a multi-valued RDN is split by type; SERIALNUMBER comes first.
  RawSubject odd = {{at("2.5.4.3", " lead, \"x\""), at("2.5.4.11", "u1")},
                    {at("2.5.4.10", "#hash")}, {at("2.5.4.10", "a;b<c>\\d ")}, {at("2.5.4.5", "42")}};
  CHECK(auth::go_subject_string(odd) == "SERIALNUMBER=42,CN=\\ lead\\, \\\"x\\\",OU=u1,O=\\#hash+O=a\\;b\\<c\\>\\\\d\\ ");
  // Only the last CN counts.
  RawSubject two_cn = {{at("2.5.4.3", "first")}, {at("2.5.4.3", "second")}};
  CHECK(auth::go_subject_string(two_cn) == "CN=second");
}

TEST_CASE("a subject as /connz prints it: the other attributes last, as OID=#hex of their DER value") {
  constexpr const char* kEmail = "1.2.840.113549.1.9.1";
  constexpr const char* kUid = "0.9.2342.19200300.100.1.1";
  constexpr const char* kDc = "0.9.2342.19200300.100.1.25";
  // Last encoded first; "@" is not printable (UTF8String 0c), "a1" and "org" are (13).
  RawSubject carol = {{at("2.5.4.6", "US")}, {at("2.5.4.10", "Synadia")}, {at(kDc, "org")}, {at("2.5.4.3", "carol")},
                      {at(kEmail, "carol@example.com")}, {at(kUid, "a1")}};
  CHECK(auth::go_name_string(carol) ==
        "CN=carol,O=Synadia,C=US,0.9.2342.19200300.100.1.1=#13026131,"
        "1.2.840.113549.1.9.1=#0c116361726f6c406578616d706c652e636f6d,0.9.2342.19200300.100.1.25=#13036f7267");
  // One RDN each even when encoded in a multi-valued one; '*' and non-ASCII make UTF8String;
  // types of the 2.5.4 arc without a name in Go's list count as others.
  RawSubject mixed = {{at("2.5.4.3", "x"), at(kEmail, "y")}, {at("2.5.4.12", "Dr. *")}, {at("2.5.4.4", "\xc3\xa9")}};
  CHECK(auth::go_name_string(mixed) == "CN=x,2.5.4.4=#0c02c3a9,2.5.4.12=#0c0544722e202a,1.2.840.113549.1.9.1=#130179");
  // No named attribute: no leading comma; an empty value; '&' is not printable either.
  RawSubject others_only = {{at(kEmail, "")}, {at(kUid, "a&b")}};
  CHECK(auth::go_name_string(others_only) == "0.9.2342.19200300.100.1.1=#0c03612662,1.2.840.113549.1.9.1=#1300");
  CHECK(auth::go_name_string({{at("2.5.4.13", "'()+,-./:=? Az09")}}) ==
        "2.5.4.13=#13102728292b2c2d2e2f3a3d3f20417a3039");
  // DER lengths: short form up to 127 bytes, long form from 128.
  auto repeated = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  CHECK(auth::go_name_string({{at("2.5.4.3", "c")}, {at("2.5.4.13", repeated("d", 127))}}) ==
        "CN=c,2.5.4.13=#137f" + repeated("64", 127));
  CHECK(auth::go_name_string({{at("2.5.4.3", "c")}, {at("2.5.4.13", repeated("d", 300))}}) ==
        "CN=c,2.5.4.13=#1382012c" + repeated("64", 300));
  // Without other attributes it is go_subject_string.
  CHECK(auth::go_name_string(alice()) == auth::go_subject_string(alice()));
}

TEST_CASE("a subject as a DN: reversed, and none with attribute types the matcher lacks") {
  auto dn = auth::dn_from_subject(alice());
  REQUIRE(dn);
  REQUIRE(dn->rdns.size() == 7);
  CHECK(dn->rdns.front().front().type == "CN");
  CHECK(dn->rdns.back().front().value == "US");
  RawSubject with_email = {{at("1.2.840.113549.1.9.1", "e@x.org")}, {at("2.5.4.3", "eve")}};
  CHECK_FALSE(auth::dn_from_subject(with_email));
}

TEST_CASE("RFC 4514 parsing and matching") {
  auto a = auth::parse_dn("CN=alice, OU=nats.io+OU=core,O=Synadia,L=LA,ST=CA,C=US");
  auto subject = auth::dn_from_subject(alice());
  REQUIRE(a);
  REQUIRE(subject);
  // The certificate's "OU" RDNs are separate, the user's are joined: not equal.
  CHECK_FALSE(auth::dn_equal(*a, *subject));
  // Types compare without case, in the certificate's order (most specific first).
  auto b = auth::parse_dn("cn=alice,ou=core,OU=nats.io,o=Synadia,l=LA,st=CA,c=US");
  REQUIRE(b);
  CHECK(auth::dn_equal(*b, *subject));
  auto c = auth::parse_dn("CN=alice,OU=nats.io,OU=core,O=Synadia,L=LA,ST=CA,C=US");
  REQUIRE(c);
  CHECK_FALSE(auth::dn_equal(*c, *subject));  // the two OUs in the other order
  CHECK(auth::dn_rdns_match(*c, *subject));
  CHECK_FALSE(auth::dn_rdns_match(*auth::parse_dn("CN=alice,OU=core,O=Synadia"), *subject));
  // Escapes: specials and hex pairs; trailing unescaped spaces are dropped.
  auto e = auth::parse_dn("CN=a\\,b\\2Cc  ,O=x\\ ");
  REQUIRE(e);
  CHECK(e->rdns[0][0].value == "a,b,c");
  CHECK(e->rdns[1][0].value == "x ");
  CHECK_FALSE(auth::parse_dn("alice@example.com"));
  CHECK_FALSE(auth::parse_dn("CN=#04024869"));
  CHECK_FALSE(auth::parse_dn("=x,CN=y"));
}

TEST_CASE("verify_and_map: e-mail, DNS, URI, then the DN, then the subject string") {
  Options o;
  o.tls_map = true;
  o.users = {user("alice@example.com"), user("CN=alice,OU=nats.io,OU=core,O=Synadia,L=LA,ST=CA,C=US"),
             user("spiffe://example.org/svc"), user("host.example.org"), user("CN=bob,DC=org,DC=example"),
             user("CN=carol")};

  auth::CertIdentity id;
  id.subject = alice();
  id.emails = {"alice@example.com"};
  CHECK(auth::user_for_certificate(o, id)->name == "alice@example.com");
  id.emails = {"nobody@example.com"};
  CHECK(auth::user_for_certificate(o, id)->name == "CN=alice,OU=nats.io,OU=core,O=Synadia,L=LA,ST=CA,C=US");
  id.dns_names = {"host.example.org"};
  CHECK(auth::user_for_certificate(o, id)->name == "host.example.org");

  auth::CertIdentity svc;
  svc.uris = {"spiffe://example.org/svc"};
  svc.subject = {{at("2.5.4.3", "svc")}};
  CHECK(auth::user_for_certificate(o, svc)->name == "spiffe://example.org/svc");

  // DNS names count without e-mail addresses too.
  auth::CertIdentity dns_only;
  dns_only.dns_names = {"host.example.org"};
  dns_only.subject = {{at("2.5.4.3", "x")}};
  CHECK(auth::user_for_certificate(o, dns_only)->name == "host.example.org");

  // The subject with its domain components appended (DC is matched by the DN matcher first).
  auth::CertIdentity bob;
  bob.subject = {{at("0.9.2342.19200300.100.1.25", "example")}, {at("0.9.2342.19200300.100.1.25", "org")},
                 {at("2.5.4.3", "bob")}};
  CHECK(auth::user_for_certificate(o, bob)->name == "CN=bob,DC=org,DC=example");

  auth::CertIdentity carol;
  carol.subject = {{at("1.2.840.113549.1.9.1", "c@x.org")}, {at("2.5.4.3", "carol")}};
  CHECK(auth::user_for_certificate(o, carol)->name == "CN=carol");  // by the subject string

  auth::CertIdentity stranger;
  stranger.subject = {{at("2.5.4.3", "mallory")}};
  CHECK(auth::user_for_certificate(o, stranger) == nullptr);

  // authenticate(): the certificate decides; a CONNECT user is ignored; no certificate fails.
  zats::proto::ConnectOptions creds;
  creds.user = "CN=carol";
  CHECK_FALSE(auth::authenticate(o, creds, {}).ok);
  CHECK_FALSE(auth::authenticate(o, creds, {&stranger}).ok);
  auth::AuthResult r = auth::authenticate(o, zats::proto::ConnectOptions{}, {&carol});
  CHECK(r.ok);
  CHECK(r.user_name == "CN=carol");
  creds.pass = "x";  // a password where the entry has none
  CHECK_FALSE(auth::authenticate(o, creds, {&carol}).ok);
}
