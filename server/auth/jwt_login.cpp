#include "server/auth/jwt_login.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

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

// sublist.go IsValidSubject.
bool go_valid_subject(std::string_view subject) {
  if (subject.empty()) return false;
  bool after_fwc = false;
  for (size_t start = 0; start <= subject.size();) {
    size_t dot = std::min(subject.find('.', start), subject.size());
    std::string_view t = subject.substr(start, dot - start);
    if (t.empty() || after_fwc) return false;
    if (t.find_first_of("\t\n\f\r ") != std::string_view::npos) return false;
    after_fwc = t == ">";
    start = dot + 1;
  }
  return true;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

bool is_macro(std::string_view token) { return token.starts_with("{{") && token.ends_with("}}"); }

// The values of the tags "name:value" in `tags` whose name is `name` (lower case).
std::vector<std::string> tag_values(const std::vector<std::string>& tags, const std::string& name) {
  std::vector<std::string> out;
  const std::string prefix = name + ":";
  for (const std::string& t : tags)
    if (t.starts_with(prefix)) out.push_back(t.substr(prefix.size()));
  return out;
}

// One subject of a scoped signing key's template with its macros filled in: the tokens, where
// a tag macro's is left empty, and for each tag macro that has values, its values.
struct FilledSubject {
  std::vector<std::string> tokens;
  std::vector<std::vector<std::string>> tag_values;
};

FilledSubject fill_macros(std::string_view subject, const UserJwt& user, const AccountJwt& account) {
  FilledSubject f;
  for (std::string_view token : split_dots(subject)) {
    if (!is_macro(token)) {
      f.tokens.emplace_back(token);
      continue;
    }
    std::string op(token.substr(2, token.size() - 4));
    std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string filled;
    if (op == "name()") {
      filled = user.claims.name;
    } else if (op == "subject()") {
      filled = user.claims.subject;
    } else if (op == "account-name()") {
      filled = account.claims.name;
    } else if (op == "account-subject()") {
      filled = user.issuer_account;
    } else if ((op.starts_with("tag(") || op.starts_with("account-tag(")) && op.ends_with(")")) {
      bool of_account = op.starts_with("account-tag(");
      size_t open = op.find('(');
      std::vector<std::string> values =
          tag_values(of_account ? account.tags : user.tags, op.substr(open + 1, op.size() - open - 2));
      if (!values.empty()) f.tag_values.push_back(std::move(values));
    } else {
      filled = " ";  // an unknown macro spoils the subject, as there
    }
    f.tokens.push_back(std::move(filled));
  }
  return f;
}

// auth.go processUserPermissionsTemplate's applyTemplate: when any subject of `list` has a
// macro, every subject is filled in, one per combination of the tag values it names (the
// last tag varying fastest), its empty tokens taking them in order. A subject that comes out
// invalid is left out, or with `fail_on_bad` (deny lists) fails the whole template.
bool apply_template(std::vector<std::string>& list, bool fail_on_bad, const UserJwt& user, const AccountJwt& account) {
  bool found = false;
  for (const std::string& s : list)
    for (std::string_view t : split_dots(s)) found |= is_macro(t);
  if (!found) return true;
  std::vector<std::string> emitted;
  auto emit = [&](std::string subject) {
    if (!go_valid_subject(subject)) return !fail_on_bad;
    emitted.push_back(std::move(subject));
    return true;
  };
  for (const std::string& s : list) {
    FilledSubject f = fill_macros(s, user, account);
    std::vector<size_t> at(f.tag_values.size(), 0);  // the combination being emitted
    for (bool more = true; more;) {
      std::string subject;
      size_t next_tag = 0;
      for (size_t i = 0; i < f.tokens.size(); ++i) {
        if (i > 0) subject.push_back('.');
        if (!f.tokens[i].empty() || next_tag == f.tag_values.size()) subject += f.tokens[i];
        else subject += f.tag_values[next_tag][at[next_tag]], ++next_tag;
      }
      if (!emit(std::move(subject))) return false;
      more = false;
      for (size_t j = at.size(); j-- > 0;) {
        if (++at[j] < f.tag_values[j].size()) {
          more = true;
          break;
        }
        at[j] = 0;
      }
    }
  }
  list = std::move(emitted);
  return true;
}

// The template's subject permission with its macros filled in; false when a deny subject came
// out invalid. An allow list left empty denies everything instead, as there.
bool fill_permission(std::optional<SubjectPermission>& sp, bool response_allowed, const UserJwt& user,
                     const AccountJwt& account) {
  if (!sp) return true;
  std::vector<std::string> allow = sp->allow.value_or(std::vector<std::string>{});
  const bool had_allow = !allow.empty();
  if (!apply_template(allow, false, user, account) || !apply_template(sp->deny, true, user, account)) return false;
  if (had_allow) {
    if (allow.empty()) {
      if (std::find(sp->deny.begin(), sp->deny.end(), ">") == sp->deny.end()) sp->deny.emplace_back(">");
      sp->allow = response_allowed ? std::optional(std::vector<std::string>{}) : std::nullopt;
    } else {
      sp->allow = std::move(allow);
    }
  }
  return true;
}

// The grants a scoped signing key gives `user` (its template, macros filled in).
std::optional<UserPermissionLimits> scoped_grants(const ScopedSigningKey& scope, const UserJwt& user,
                                                  const AccountJwt& account, std::string* why) {
  if (!user.empty()) return *why = "User JWT is not valid: scoped users require no permissions or limits set", std::nullopt;
  UserPermissionLimits g = scope.grants;
  if (g.permissions) {
    Permissions p = *g.permissions;
    const bool responses = p.response.has_value();
    if (!fill_permission(p.subscribe, false, user, account) || !fill_permission(p.publish, responses, user, account))
      return *why = "User JWT generated invalid permissions", std::nullopt;
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

// time.LoadLocation: "" and "UTC" are UTC, "Local" the server's zone, any other name a file of
// the zone database (read once per name; absl keeps it). A path is not a zone name.
std::optional<absl::TimeZone> zone_named(const std::string& name) {
  if (name.empty() || name == "UTC") return absl::UTCTimeZone();
  if (name == "Local") return absl::LocalTimeZone();
  if (name.find("..") != std::string::npos || name[0] == '/' || name[0] == '\\') return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) return std::nullopt;
  return zone;
}

// jwt.go validateTimes at `now`, in the server's local time or the JWT's `times_location`:
// whether a window holds, and when it ends (Unix seconds). As there, a window that ends before
// it starts runs from today's start to tomorrow's end.
bool inside_connect_window(const UserPermissionLimits& user, int64_t now, int64_t* ends, std::string* why) {
  *ends = 0;
  if (user.times.empty()) return true;
  std::optional<absl::TimeZone> zone =
      user.times_location.empty() ? std::optional(absl::LocalTimeZone()) : zone_named(user.times_location);
  if (!zone) {
    *why = "User JWT no longer valid: could not parse iana time zone by name: unknown time zone " + user.times_location;
    return false;
  }
  const absl::CivilDay today = absl::ToCivilDay(absl::FromUnixSeconds(now), *zone);
  auto at = [&](absl::CivilDay day, int seconds) {
    const absl::CivilSecond civil(day.year(), day.month(), day.day(), seconds / 3600, seconds / 60 % 60, seconds % 60);
    return absl::ToUnixSeconds(absl::FromCivil(civil, *zone));
  };
  for (const auto& [start_text, end_text] : user.times) {
    int start = seconds_of_day(start_text), end = seconds_of_day(end_text);
    if (start < 0 || end < 0) {
      *why = "User JWT no longer valid: invalid time range";
      return false;
    }
    int64_t start_at = at(today, start);
    int64_t end_at = at(start > end ? today + 1 : today, end);
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
  g.identity.issuer_key = claims.issuer_account.empty() ? account.claims.subject : claims.claims.issuer;
  g.identity.name = claims.claims.name;
  g.identity.tags = claims.tags;
  return g;
}

}  // namespace

void preload_local_time_zone() { (void)absl::LocalTimeZone(); }

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
      std::find(mode.pinned_accounts->begin(), mode.pinned_accounts->end(), issuer) == mode.pinned_accounts->end()) {
    AuthResult r = refused("Account " + issuer + " not listed as operator pinned account");
    r.account_not_pinned = true;
    return r;
  }
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
  if (account->revoked(user->claims.subject, user->claims.issued_at)) {
    AuthResult r = refused("User authentication revoked");
    r.revoked = true;
    return r;
  }
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
