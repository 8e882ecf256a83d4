// Distinguished names as verify_and_map matches them (auth.go checkClientTLSCertSubject and the
// DN matching of its internal ldap package): a certificate's subject as nats-server prints it
// (Go's pkix.Name → RDNSequence.String(): known attributes only, most specific first, "+" for
// several values of one type, RFC 4514 escaping; /connz adds the other attributes), RFC 4514
// parsing of a user name, and DN equality with and without regard to the order of the RDNs.
// Pure functions, no OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server::auth {

struct DnAttribute {
  std::string type;   // "CN", "OU", ... or a dotted OID for types with no short name
  std::string value;  // UTF-8
  bool operator==(const DnAttribute&) const = default;
};

using Rdn = std::vector<DnAttribute>;

struct DistinguishedName {
  std::vector<Rdn> rdns;  // most specific first ("CN=...,OU=...,O=...")
};

// One attribute of a certificate subject in encoding order (country first). `is_string` is
// false for values that are not ASN.1 strings (they never match).
struct SubjectAttribute {
  std::string oid;    // dotted, "2.5.4.3"
  std::string value;
  bool is_string = true;
};
using RawSubject = std::vector<std::vector<SubjectAttribute>>;  // RDNs in encoding order

// Go's cert.Subject.ToRDNSequence().String(): "CN=alice,OU=nats.io,O=Synadia,ST=CA,C=US".
std::string go_subject_string(const RawSubject& subject);
// A certificate subject as nats-server prints it in /connz (Go's cert.Subject.String()): the
// string above, then every attribute of another type, last encoded first, as its OID and the
// hex of its DER string value: "CN=alice,O=Synadia,1.2.840.113549.1.9.1=#13...".
std::string go_name_string(const RawSubject& subject);
// Go's getTLSAuthDCs: "DC=example,DC=org" for the domain components in encoding order; empty if none.
std::string domain_components(const RawSubject& subject);
// ldap.FromRawCertSubject: most specific RDN first; none when an attribute type has no short
// name there (e.g. emailAddress) or a value is not a string.
std::optional<DistinguishedName> dn_from_subject(const RawSubject& subject);

// ldap.ParseDN (RFC 4514): none when the text is not a DN.
std::optional<DistinguishedName> parse_dn(std::string_view text);
// RFC 4517 distinguishedNameMatch: same RDNs in the same order (attribute types compared
// without case, attributes within an RDN in any order).
bool dn_equal(const DistinguishedName& a, const DistinguishedName& b);
// The same RDNs in any order.
bool dn_rdns_match(const DistinguishedName& a, const DistinguishedName& b);

}  // namespace zats::server::auth
