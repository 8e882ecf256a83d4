#include "server/auth/jwt_login.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "proto/subject.h"
#include "server/auth/base64.h"
#include "server/auth/nkey.h"

namespace zats::server::auth {
namespace {

AuthResult refused(std::string why, bool error = false) {
  AuthResult r;
  r.failure = std::move(why);
  r.failure_is_error = error;
  return r;
}

// client.go convertAllowedConnectionTypes and connectionTypeAllowed, for a standard client: an
// empty list allows every type; unknown names are dropped (all unknown: refused).
bool standard_connections_allowed(const std::vector<std::string>& types) {
  if (types.empty()) return true;
  for (std::string t : types) {
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (t == "STANDARD") return true;
  }
  return false;
}

// client.go minLimit: -1 is no limit; otherwise the lower.
int64_t lower_limit(int64_t value, int64_t limit) {
  if (value == -1) return limit;
  if (limit == -1) return value;
  return std::min(value, limit);
}

bool signature_valid(const UserJwt& user, std::string_view nonce, std::string_view sig, std::string* why) {
  if (sig.empty()) return *why = "Signature missing", false;
  std::optional<std::string> raw = base64_decode(sig, Base64Alphabet::UrlRaw);
  if (!raw) raw = base64_decode(sig, Base64Alphabet::StandardPadded);
  if (!raw) return *why = "Signature not valid base64", false;
  std::optional<Ed25519PublicKey> key = decode_public_nkey(user.claims.subject, NkeyKind::User);
  if (!key) return *why = "User nkey not valid", false;
  if (!ed25519_verify(*key, nonce, *raw)) return *why = "Signature not verified", false;
  return true;
}

bool source_allowed(const UserPermissionLimits& user, std::string_view ip) {
  if (user.src.empty()) return true;
  for (const std::string& cidr : user.src)
    if (address_in_cidr(ip, cidr)) return true;
  return false;
}

// auth.go processUserPermissionsTemplate, for one subject: the macros of a scoped signing key's
// template filled in; false with `why` when one is not built (tags) or the result is no subject.
bool fill_template(std::string& subject, const UserJwt& user, const AccountJwt& account, std::string* why) {
  if (subject.find("{{") == std::string::npos) return true;
  std::string out;
  size_t start = 0;
  while (start <= subject.size()) {
    size_t dot = std::min(subject.find('.', start), subject.size());
    std::string token = subject.substr(start, dot - start);
    if (token.starts_with("{{") && token.ends_with("}}")) {
      std::string op = token.substr(2, token.size() - 4);
      std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (op == "name()") token = user.claims.name;
      else if (op == "subject()") token = user.claims.subject;
      else if (op == "account-name()") token = account.claims.name;
      else if (op == "account-subject()") token = user.issuer_account;
      else if (op.starts_with("tag(") || op.starts_with("account-tag("))
        return *why = "User JWT permission templates with tags are not supported by zats yet", false;
      else token = " ";  // an unknown macro spoils the subject, as there
    }
    out += (out.empty() && start == 0 ? "" : ".") + token;
    start = dot + 1;
  }
  subject = std::move(out);
  size_t space = subject.find(' ');
  // A subscribe entry may name a queue ("subject queue"): only the subject must be valid.
  if (!proto::is_valid_subject(subject.substr(0, space == 0 ? std::string::npos : space)) || space == 0)
    return *why = "User JWT generated invalid permissions", false;
  return true;
}

bool fill_templates(std::vector<std::string>& subjects, const UserJwt& user, const AccountJwt& account, std::string* why) {
  for (std::string& s : subjects)
    if (!fill_template(s, user, account, why)) return false;
  return true;
}

// The grants a scoped signing key gives `user` (its template, macros filled in).
std::optional<UserPermissionLimits> scoped_grants(const ScopedSigningKey& scope, const UserJwt& user,
                                                  const AccountJwt& account, std::string* why) {
  if (!user.empty()) return *why = "User JWT is not valid: scoped users require no permissions or limits set", std::nullopt;
  UserPermissionLimits g = scope.grants;
  if (g.permissions) {
    Permissions p = *g.permissions;
    for (std::optional<SubjectPermission>* sp : {&p.publish, &p.subscribe}) {
      if (!*sp) continue;
      if ((*sp)->allow && !fill_templates(*(*sp)->allow, user, account, why)) return std::nullopt;
      if (!fill_templates((*sp)->deny, user, account, why)) return std::nullopt;
    }
    g.permissions = std::make_shared<const Permissions>(std::move(p));
  }
  return g;
}

// "15:04:05" as seconds since midnight; -1 when it is not that form.
int seconds_of_day(const std::string& text) {
  int h = 0, m = 0, s = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%2d:%2d:%2d%c", &h, &m, &s, &extra) != 3 || text.size() != 8) return -1;
  if (h > 23 || m > 59 || s > 59) return -1;
  return h * 3600 + m * 60 + s;
}

// jwt.go validateTimes at `now`, in the server's local time: whether a window holds, and
// when it ends (Unix seconds). As there, a window that ends before it starts runs from today's
// start to tomorrow's end.
bool inside_connect_window(const UserPermissionLimits& user, int64_t now, int64_t* ends, std::string* why) {
  *ends = 0;
  if (user.times.empty()) return true;
  if (!user.times_location.empty()) {
    *why = "User JWT times_location is not supported by zats yet";
    return false;
  }
  time_t t = static_cast<time_t>(now);
  struct tm local {};
  localtime_r(&t, &local);
  for (const auto& [start_text, end_text] : user.times) {
    int start = seconds_of_day(start_text), end = seconds_of_day(end_text);
    if (start < 0 || end < 0) {
      *why = "User JWT no longer valid: invalid time range";
      return false;
    }
    struct tm day = local;
    day.tm_hour = day.tm_min = day.tm_sec = 0;
    day.tm_isdst = -1;
    int64_t midnight = static_cast<int64_t>(mktime(&day));
    int64_t start_at = midnight + start;
    int64_t end_at = midnight + end + (start > end ? 86400 : 0);
    if (start_at < now && end_at > now) {
      *ends = end_at;
      return true;
    }
  }
  *why = "Outside connect times";
  return false;
}

JwtGrant grant_of(const UserJwt& claims, const UserPermissionLimits& user, const AccountJwt& account) {
  JwtGrant g;
  g.user = claims.claims.subject;
  g.account = account.claims.subject;
  g.permissions = user.permissions ? user.permissions : account.default_permissions;
  g.max_subs = lower_limit(user.limits.subs, account.limits.subs);
  g.max_payload = lower_limit(user.limits.payload, account.limits.payload);
  g.account_max_connections = account.max_connections;
  g.expires = claims.claims.expires;
  g.account_expires = account.claims.expires;
  return g;
}

}  // namespace

bool address_in_cidr(std::string_view ip, std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  std::string net(cidr.substr(0, slash));
  std::string addr(ip);
  int bits = -1;
  std::string_view len = cidr.substr(slash + 1);
  if (std::from_chars(len.data(), len.data() + len.size(), bits).ec != std::errc() || bits < 0) return false;
  std::array<uint8_t, 16> a{}, n{};
  int family = net.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  size_t size = family == AF_INET6 ? 16 : 4;
  if (inet_pton(family, net.c_str(), n.data()) != 1 || bits > static_cast<int>(size * 8)) return false;
  if (inet_pton(family, addr.c_str(), a.data()) != 1) {
    // An IPv4 client against an IPv6 network or the reverse: Go compares the 16-byte forms.
    if (family == AF_INET6 && inet_pton(AF_INET, addr.c_str(), a.data() + 12) == 1) {
      a[10] = a[11] = 0xff;
    } else {
      return false;
    }
  }
  for (int i = 0; i < bits; ++i) {
    uint8_t mask = static_cast<uint8_t>(0x80u >> (i % 8));
    if ((a[static_cast<size_t>(i / 8)] & mask) != (n[static_cast<size_t>(i / 8)] & mask)) return false;
  }
  return true;
}

AuthResult jwt_login(const OperatorMode& mode, const proto::ConnectOptions& c, const ConnectionProof& proof,
                     int64_t now) {
  if (c.jwt.empty()) return refused("Authentication requires a user JWT");
  std::string why;
  std::optional<UserJwt> user = decode_user_jwt(c.jwt, &why);
  if (!user) return refused("User JWT not valid: " + why);
  if (std::string problem = user->claims.time_problem(now); !problem.empty())
    return refused("User JWT no longer valid: " + problem);
  if (!standard_connections_allowed(user->allowed_connection_types)) return refused("Connection type not allowed");
  const std::string& issuer = user->issuer_account.empty() ? user->claims.issuer : user->issuer_account;
  if (mode.pinned_accounts &&  // an empty list pins nobody, as in nats-server
      std::find(mode.pinned_accounts->begin(), mode.pinned_accounts->end(), issuer) == mode.pinned_accounts->end())
    return refused("Account " + issuer + " not listed as operator pinned account");
  const AccountJwt* account = mode.account(issuer);
  if (account == nullptr) return refused("Account JWT lookup error: account missing");
  if (!mode.trusts(account->claims.issuer)) return refused("Account JWT not signed by trusted operator");
  if (!account->issues_with(user->claims.issuer)) return refused("User JWT issuer is not known");
  UserPermissionLimits grants = *user;
  if (const ScopedSigningKey* scope = account->scope(user->claims.issuer)) {
    std::optional<UserPermissionLimits> scoped = scoped_grants(*scope, *user, *account, &why);
    if (!scoped) return refused(why);
    grants = std::move(*scoped);
  }
  if (!account->claims.time_problem(now).empty()) return refused("Account JWT has expired");
  if (grants.bearer_token && account->disallow_bearer) return refused("Account does not allow bearer token");
  if (!grants.bearer_token && !signature_valid(*user, proof.nonce, c.sig, &why)) return refused(why);
  if (account->revoked(user->claims.subject, user->claims.issued_at)) return refused("User authentication revoked");
  if (!source_allowed(grants, proof.client_ip)) return refused("Bad src Ip " + std::string(proof.client_ip), true);
  int64_t window_ends = 0;
  if (!inside_connect_window(grants, now, &window_ends, &why)) return refused(why, true);
  AuthResult r;
  r.ok = true;
  r.user_name = user->claims.subject;
  r.jwt = grant_of(*user, grants, *account);
  r.jwt->window_ends = window_ends;
  return r;
}

}  // namespace zats::server::auth
