// Authentication order as in the reference: users list, then token, then single user.
#include "server/auth/authenticator.h"

#include "server/auth/bcrypt.h"
#include "server/auth/jwt_login.h"
#include "server/auth/constant_time.h"
#include "server/auth/nkey.h"

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

namespace zats::server::auth {
namespace {

const User* find_user(const Options& o, std::string_view name) {
  for (const User& u : o.users)
    if (!u.is_nkey() && u.name == name) return &u;
  return nullptr;
}

const User* find_nkey_user(const Options& o, std::string_view nkey) {
  for (const User& u : o.users)
    if (u.is_nkey() && u.nkey == nkey) return &u;
  return nullptr;
}

bool has_password_users(const Options& o) {
  for (const User& u : o.users)
    if (!u.is_nkey()) return true;
  return false;
}

AuthResult logged_in_as(const User* user) {
  AuthResult r;
  r.ok = true;
  r.user = user;
  r.user_name = user->key();
  return r;
}

const User* allowed_user(const Options& o, std::string_view name) {
  const User* u = find_user(o, name);
  return u != nullptr && u->standard_connections_allowed ? u : nullptr;
}

// The user whose name, read as a DN, equals the certificate's subject (in order first, then
// with the RDNs in any order).
const User* user_for_dn(const Options& o, const DistinguishedName& subject) {
  std::vector<std::pair<const User*, DistinguishedName>> candidates;
  for (const User& u : o.users) {
    if (!u.standard_connections_allowed || u.is_nkey()) continue;
    std::optional<DistinguishedName> dn = parse_dn(u.name);
    if (!dn) continue;
    if (dn_equal(*dn, subject)) return &u;
    candidates.emplace_back(&u, std::move(*dn));
  }
  for (const auto& [u, dn] : candidates)
    if (dn_rdns_match(dn, subject)) return u;
  return nullptr;
}

}  // namespace

const User* user_for_certificate(const Options& o, const CertIdentity& cert) {
  if (cert.emails.empty() && cert.subject.empty() && cert.uris.empty()) return nullptr;
  // The alternative names in auth.go's (fall-through) order: e-mail, DNS, URI.
  for (const auto* names : {&cert.emails, &cert.dns_names, &cert.uris})
    for (const std::string& name : *names)
      if (const User* u = allowed_user(o, name)) return u;
  if (std::optional<DistinguishedName> dn = dn_from_subject(cert.subject))
    if (const User* u = user_for_dn(o, *dn)) return u;
  std::string subject = go_subject_string(cert.subject);
  if (std::string dcs = domain_components(cert.subject); !dcs.empty())
    if (const User* u = allowed_user(o, subject + "," + dcs)) return u;
  return allowed_user(o, subject);
}

const User* no_auth_user_for(const Options& o, const proto::ConnectOptions& c) {
  if (o.no_auth_user.empty() || !c.user.empty() || !c.pass.empty() || !c.auth_token.empty()) return nullptr;
  return find_user(o, o.no_auth_user);
}

AuthResult authenticate(const Options& o, const proto::ConnectOptions& c, const ConnectionProof& proof) {
  AuthResult r;
  if (!o.auth_required()) {
    r.ok = true;
    return r;
  }
  if (o.operator_mode.enabled()) return jwt_login(o.operator_mode, c, proof, std::time(nullptr));
  if (!c.nkey.empty() && o.nonce_required()) {
    const User* user = find_nkey_user(o, c.nkey);
    if (user == nullptr || !user->standard_connections_allowed) return r;
    return nkey_signature_valid(c.nkey, proof.nonce, c.sig) ? logged_in_as(user) : r;
  }
  const CertIdentity* cert = proof.certificate;
  if (has_password_users(o) && o.tls_map) {
    // The certificate names the user (a user in CONNECT is ignored); the password must still
    // match the entry's (empty for most certificate users, as nats-server compares them).
    const User* user = cert != nullptr ? user_for_certificate(o, *cert) : nullptr;
    if (user == nullptr) return r;
    r.ok = password_matches(user->password, c.pass);
    if (r.ok) {
      r.user = user;
      r.user_name = user->name;
    }
    return r;
  }
  if (has_password_users(o)) {
    const User* user = no_auth_user_for(o, c);
    bool by_default = user != nullptr;
    if (user == nullptr && !c.user.empty()) {
      user = find_user(o, c.user);
      if (user == nullptr) return r;
    }
    if (user != nullptr) {
      if (!user->standard_connections_allowed) return r;
      // The no_auth_user logs in with its own password, as the reference copies it over.
      r.ok = by_default || password_matches(user->password, c.pass);
      if (r.ok) {
        r.user = user;
        r.user_name = user->name;
      }
      return r;
    }
  }
  if (!o.token.empty()) {
    r.ok = password_matches(o.token, c.auth_token);
    return r;
  }
  if (!o.username.empty()) {
    r.ok = constant_time_equals(o.username, c.user) && password_matches(o.password, c.pass);
    if (r.ok) r.user_name = o.username;
  }
  return r;
}

}  // namespace zats::server::auth
