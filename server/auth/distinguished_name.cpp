// Go's pkix name printing and the ldap DN parser/matcher, rewritten over plain strings.
#include "server/auth/distinguished_name.h"

#include <algorithm>
#include <array>

#include "proto/hex.h"

namespace zats::server::auth {
namespace {

// pkix's attributeTypeNames (the ldap package adds DC).
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypeNames = {{
    {"2.5.4.3", "CN"},
    {"2.5.4.5", "SERIALNUMBER"},
    {"2.5.4.6", "C"},
    {"2.5.4.7", "L"},
    {"2.5.4.8", "ST"},
    {"2.5.4.9", "STREET"},
    {"2.5.4.10", "O"},
    {"2.5.4.11", "OU"},
    {"2.5.4.17", "POSTALCODE"},
    {"0.9.2342.19200300.100.1.25", "DC"},
}};

constexpr std::string_view kDomainComponent = "0.9.2342.19200300.100.1.25";

std::string_view short_name(std::string_view oid) {
  for (const auto& [o, name] : kTypeNames)
    if (o == oid) return name;
  return {};
}

// The types Go's Name holds in named fields: the short names above but DC.
bool named_field(std::string_view oid) { return oid != kDomainComponent && !short_name(oid).empty(); }

// A string value as Go's asn1.Marshal encodes it: PrintableString when every byte is in that
// set (Go's, less '*' and '&'), else UTF8String; DER length, long form from 128 bytes.
std::string der_string(std::string_view value) {
  auto printable = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c >= '\'' && c <= ')') || (c >= '+' && c <= '/') || c == ' ' || c == ':' || c == '=' || c == '?';
  };
  std::string der(1, std::all_of(value.begin(), value.end(), printable) ? '\x13' : '\x0c');
  if (value.size() < 128) {
    der.push_back(static_cast<char>(value.size()));
  } else {
    std::string length;
    for (size_t n = value.size(); n > 0; n >>= 8) length.insert(length.begin(), static_cast<char>(n & 0xff));
    der.push_back(static_cast<char>(0x80 | length.size()));
    der += length;
  }
  der.append(value);
  return der;
}

// RDNSequence.String()'s escaping: specials always, a space at either end, '#' first.
void append_escaped(std::string& out, std::string_view value) {
  for (size_t k = 0; k < value.size(); ++k) {
    char c = value[k];
    bool escape = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
                  (c == ' ' && (k == 0 || k == value.size() - 1)) || (c == '#' && k == 0);
    if (escape) out.push_back('\\');
    out.push_back(c);
  }
}

// pkix.Name as FillFromRDNSequence fills it (the fields ToRDNSequence prints).
struct GoName {
  std::vector<std::string> country, province, locality, street, postal_code, organization, unit;
  std::string common_name, serial_number;
};

GoName fill_name(const RawSubject& subject) {
  GoName n;
  for (const auto& rdn : subject) {
    for (const SubjectAttribute& a : rdn) {
      if (!a.is_string) continue;
      if (a.oid == "2.5.4.3") n.common_name = a.value;
      else if (a.oid == "2.5.4.5") n.serial_number = a.value;
      else if (a.oid == "2.5.4.6") n.country.push_back(a.value);
      else if (a.oid == "2.5.4.7") n.locality.push_back(a.value);
      else if (a.oid == "2.5.4.8") n.province.push_back(a.value);
      else if (a.oid == "2.5.4.9") n.street.push_back(a.value);
      else if (a.oid == "2.5.4.10") n.organization.push_back(a.value);
      else if (a.oid == "2.5.4.11") n.unit.push_back(a.value);
      else if (a.oid == "2.5.4.17") n.postal_code.push_back(a.value);
    }
  }
  return n;
}

bool rdn_has_all(const Rdn& rdn, const Rdn& attrs) {
  for (const DnAttribute& want : attrs) {
    bool found = false;
    for (const DnAttribute& have : rdn) {
      if (have.value != want.value || have.type.size() != want.type.size()) continue;
      bool same_type = true;
      for (size_t i = 0; i < want.type.size() && same_type; ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        same_type = lower(have.type[i]) == lower(want.type[i]);
      }
      found = found || same_type;
    }
    if (!found) return false;
  }
  return true;
}

bool rdn_equal(const Rdn& a, const Rdn& b) {
  return a.size() == b.size() && rdn_has_all(a, b) && rdn_has_all(b, a);
}

}  // namespace

std::string go_subject_string(const RawSubject& subject) {
  GoName n = fill_name(subject);
  // ToRDNSequence's order, then String() prints it backwards.
  std::vector<std::pair<std::string_view, std::vector<std::string>>> rdns;
  auto add = [&rdns](std::string_view type, std::vector<std::string> values) {
    if (!values.empty()) rdns.emplace_back(type, std::move(values));
  };
  add("C", n.country);
  add("ST", n.province);
  add("L", n.locality);
  add("STREET", n.street);
  add("POSTALCODE", n.postal_code);
  add("O", n.organization);
  add("OU", n.unit);
  if (!n.common_name.empty()) add("CN", {n.common_name});
  if (!n.serial_number.empty()) add("SERIALNUMBER", {n.serial_number});
  std::string out;
  for (size_t i = rdns.size(); i-- > 0;) {
    if (!out.empty()) out.push_back(',');
    const auto& [type, values] = rdns[i];
    for (size_t j = 0; j < values.size(); ++j) {
      if (j > 0) out.push_back('+');
      out.append(type);
      out.push_back('=');
      append_escaped(out, values[j]);
    }
  }
  return out;
}

std::string go_name_string(const RawSubject& subject) {
  // Go puts the other attributes first, one RDN each, and prints the RDNs backwards. Values
  // that are not strings cannot occur: Go refuses such a certificate.
  std::vector<const SubjectAttribute*> others;
  for (const auto& rdn : subject)
    for (const SubjectAttribute& a : rdn)
      if (a.is_string && !named_field(a.oid)) others.push_back(&a);
  std::string out = go_subject_string(subject);
  for (size_t i = others.size(); i-- > 0;) {
    if (!out.empty()) out.push_back(',');
    out += others[i]->oid + "=#";
    for (char c : der_string(others[i]->value)) proto::append_hex(out, static_cast<unsigned char>(c), 2);
  }
  return out;
}

std::string domain_components(const RawSubject& subject) {
  std::string out;
  for (const auto& rdn : subject) {
    for (const SubjectAttribute& a : rdn) {
      if (!a.is_string || a.oid != kDomainComponent) continue;
      if (!out.empty()) out.push_back(',');
      out += "DC=" + a.value;
    }
  }
  return out;
}

std::optional<DistinguishedName> dn_from_subject(const RawSubject& subject) {
  DistinguishedName dn;
  for (size_t i = subject.size(); i-- > 0;) {
    if (subject[i].empty()) continue;
    Rdn rdn;
    for (size_t j = subject[i].size(); j-- > 0;) {
      const SubjectAttribute& a = subject[i][j];
      std::string_view type = short_name(a.oid);
      if (type.empty() || !a.is_string) return std::nullopt;
      rdn.push_back({std::string(type), a.value});
    }
    dn.rdns.push_back(std::move(rdn));
  }
  return dn;
}

// ldap.ParseDN, byte by byte, quirks included (an attribute with an empty value at the very
// end is dropped; a second '=' restarts the type).
std::optional<DistinguishedName> parse_dn(std::string_view text) {
  DistinguishedName dn;
  Rdn rdn;
  DnAttribute attribute;
  std::string buffer;
  size_t trailing_spaces = 0;
  bool escaping = false;
  auto take_buffer = [&] {
    std::string s = buffer.substr(0, buffer.size() - trailing_spaces);
    buffer.clear();
    trailing_spaces = 0;
    return s;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (escaping) {
      trailing_spaces = 0;
      escaping = false;
      if (std::string_view(" \"#+,;<=>\\").find(c) != std::string_view::npos) {
        buffer.push_back(c);
        continue;
      }
      if (i + 1 >= text.size()) return std::nullopt;  // a corrupted escape
      int hi = proto::hex_digit_value(c), lo = proto::hex_digit_value(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      buffer.push_back(static_cast<char>(hi * 16 + lo));
      ++i;
    } else if (c == '\\') {
      trailing_spaces = 0;
      escaping = true;
    } else if (c == '=') {
      attribute.type = take_buffer();
      if (i + 1 < text.size() && text[i + 1] == '#') return std::nullopt;  // BER values: unsupported
    } else if (c == ',' || c == '+') {
      if (attribute.type.empty()) return std::nullopt;
      attribute.value = take_buffer();
      rdn.push_back(std::move(attribute));
      attribute = DnAttribute{};
      if (c == ',') {
        dn.rdns.push_back(std::move(rdn));
        rdn.clear();
      }
    } else if (c == ' ' && buffer.empty()) {
      continue;  // leading spaces
    } else {
      trailing_spaces = c == ' ' ? trailing_spaces + 1 : 0;
      buffer.push_back(c);
    }
  }
  if (!buffer.empty()) {
    if (attribute.type.empty()) return std::nullopt;
    attribute.value = take_buffer();
    rdn.push_back(std::move(attribute));
    dn.rdns.push_back(std::move(rdn));
  }
  return dn;
}

bool dn_equal(const DistinguishedName& a, const DistinguishedName& b) {
  if (a.rdns.size() != b.rdns.size()) return false;
  for (size_t i = 0; i < a.rdns.size(); ++i)
    if (!rdn_equal(a.rdns[i], b.rdns[i])) return false;
  return true;
}

bool dn_rdns_match(const DistinguishedName& a, const DistinguishedName& b) {
  if (a.rdns.size() != b.rdns.size()) return false;
  for (const Rdn& mine : a.rdns) {
    bool found = false;
    for (const Rdn& theirs : b.rdns) found = found || rdn_equal(mine, theirs);
    if (!found) return false;
  }
  return true;
}

}  // namespace zats::server::auth
