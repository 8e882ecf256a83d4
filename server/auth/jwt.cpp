// Decoding as the reference's jwt library (v2) does: three parts, a JWT header with the nkey
// algorithm, the claims read as JSON (Go's encoding/json: a missing field is its zero value), the
// V2 signature over "header.claims" by the key in `iss`, and the key kinds each claim expects.
#include "server/auth/jwt.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>

#include "server/auth/base64.h"
#include "server/auth/nkey.h"

namespace zats::server::auth {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A member of `o` (null when absent or JSON null).
std::optional<element> member(object o, std::string_view key) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS || e.type() == element_type::NULL_VALUE) return std::nullopt;
  return e;
}

std::string string_of(object o, std::string_view key) {
  std::optional<element> e = member(o, key);
  std::string_view s;
  if (e && e->get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return {};
}

int64_t int_of(object o, std::string_view key) {
  std::optional<element> e = member(o, key);
  if (!e) return 0;
  int64_t n = 0;
  if (e->get_int64().get(n) == simdjson::SUCCESS) return n;
  // A float, or an integer past int64 (Go's decoder refuses both for an int64 field): saturated,
  // never converted out of range.
  double d = 0;
  if (e->get_double().get(d) != simdjson::SUCCESS || d != d) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

bool bool_of(object o, std::string_view key) {
  std::optional<element> e = member(o, key);
  bool b = false;
  return e && e->get_bool().get(b) == simdjson::SUCCESS && b;
}

// jwt StringList: an array of strings.
std::vector<std::string> strings_of(object o, std::string_view key) {
  std::vector<std::string> out;
  std::optional<element> e = member(o, key);
  simdjson::dom::array a;
  if (!e || e->get_array().get(a) != simdjson::SUCCESS) return out;
  for (element item : a) {
    std::string_view s;
    if (item.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}

std::optional<object> object_of(object o, std::string_view key) {
  std::optional<element> e = member(o, key);
  object out;
  if (!e || e->get_object().get(out) != simdjson::SUCCESS) return std::nullopt;
  return out;
}

// accounts.go buildPermissionsFromJwt (with auth.go validateResponsePermissions): null when the
// JWT names no subjects and no response permission.
PermissionsPtr permissions_of(object nats) {
  Permissions p;
  bool any = false;
  for (auto [key, field] : {std::pair{"pub", &p.publish}, std::pair{"sub", &p.subscribe}}) {
    std::optional<object> perm = object_of(nats, key);
    if (!perm) continue;
    std::vector<std::string> allow = strings_of(*perm, "allow");
    std::vector<std::string> deny = strings_of(*perm, "deny");
    if (allow.empty() && deny.empty()) continue;
    SubjectPermission sp;
    if (!allow.empty()) sp.allow = std::move(allow);
    sp.deny = std::move(deny);
    *field = std::move(sp);
    any = true;
  }
  if (std::optional<object> resp = object_of(nats, "resp")) {
    ResponsePermission rp;
    int64_t max = int_of(*resp, "max");
    int64_t ttl = int_of(*resp, "ttl");
    if (max != 0) rp.max_msgs = max;
    if (ttl != 0) rp.expires = std::chrono::nanoseconds(ttl);
    p.response = rp;
    if (!p.publish) p.publish = SubjectPermission{};
    if (!p.publish->allow) p.publish->allow = std::vector<std::string>{};
    any = true;
  }
  return any ? std::make_shared<const Permissions>(std::move(p)) : nullptr;
}

JwtNatsLimits nats_limits_of(object o) {
  return JwtNatsLimits{int_of(o, "subs"), int_of(o, "data"), int_of(o, "payload")};
}

// The decoded, verified claims document of one token.
struct Document {
  simdjson::dom::parser parser;
  object claims;
  object nats;
  JwtClaims common;
};

bool fail(std::string* why, std::string text) {
  *why = std::move(text);
  return false;
}

// jwt parseHeaders: typ JWT, alg ed25519-nkey (ed25519 is version 1).
bool header_valid(std::string_view part, std::string* why) {
  std::optional<std::string> json = base64_decode(part, Base64Alphabet::UrlRaw);
  if (!json) return fail(why, "illegal base64 data in the JWT header");
  simdjson::dom::parser parser;
  element root;
  object o;
  if (parser.parse(*json).get(root) != simdjson::SUCCESS || root.get_object().get(o) != simdjson::SUCCESS)
    return fail(why, "the JWT header is not a JSON object");
  std::string typ = string_of(o, "typ");
  std::string alg = string_of(o, "alg");
  if (lower(typ) != "jwt") return fail(why, "not supported type \"" + typ + "\"");
  if (lower(alg) == "ed25519") return fail(why, "version 1 JWTs are not supported by zats");
  if (lower(alg) != "ed25519-nkey") return fail(why, "unexpected \"" + alg + "\" algorithm");
  return true;
}

bool key_of_kind(std::string_view key, std::initializer_list<NkeyKind> kinds) {
  return std::any_of(kinds.begin(), kinds.end(), [key](NkeyKind k) { return is_public_nkey(key, k); });
}

// Everything but the claim type's own fields: form, header, JSON, type, issuer and subject kinds,
// the signature.
bool decode(std::string_view token, std::string_view type, NkeyKind issuer_kind, NkeyKind subject_kind,
            Document& doc, std::string* why) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return fail(why, "expected 3 chunks");
  if (!header_valid(token.substr(0, first), why)) return false;
  std::optional<std::string> json = base64_decode(token.substr(first + 1, second - first - 1), Base64Alphabet::UrlRaw);
  if (!json) return fail(why, "illegal base64 data in the JWT claims");
  element root;
  if (doc.parser.parse(*json).get(root) != simdjson::SUCCESS || root.get_object().get(doc.claims) != simdjson::SUCCESS)
    return fail(why, "the JWT claims are not a JSON object");
  std::optional<object> nats = object_of(doc.claims, "nats");
  if (!nats) return fail(why, "version 1 JWTs are not supported by zats");
  doc.nats = *nats;
  if (int_of(doc.nats, "version") < 2) return fail(why, "version 1 JWTs are not supported by zats");
  std::string actual = string_of(doc.nats, "type");
  if (actual != type) return fail(why, "not " + std::string(type) + " claim");
  JwtClaims& c = doc.common;
  c.id = string_of(doc.claims, "jti");
  c.issuer = string_of(doc.claims, "iss");
  c.subject = string_of(doc.claims, "sub");
  c.name = string_of(doc.claims, "name");
  c.audience = string_of(doc.claims, "aud");
  c.issued_at = int_of(doc.claims, "iat");
  c.expires = int_of(doc.claims, "exp");
  c.not_before = int_of(doc.claims, "nbf");
  std::optional<std::string> sig = base64_decode(token.substr(second + 1), Base64Alphabet::UrlRaw);
  if (!sig) return fail(why, "illegal base64 data in the JWT signature");
  std::optional<Ed25519PublicKey> key = decode_public_nkey(c.issuer, issuer_kind);
  if (!key) return fail(why, "unable to validate expected prefixes - the issuer " + c.issuer + " is not of the expected kind");
  if (!ed25519_verify(*key, token.substr(0, second), *sig)) return fail(why, "claim failed V2 signature verification");
  if (!key_of_kind(c.subject, {subject_kind})) return fail(why, "the subject " + c.subject + " is not of the expected kind");
  return true;
}

std::string response_type_of(std::string_view jwt_type) {
  if (jwt_type == "Stream") return "Streamed";
  if (jwt_type == "Chunked") return "Chunked";
  return "Singleton";
}

std::vector<std::pair<std::string, int64_t>> revocations_of(object o) {
  std::vector<std::pair<std::string, int64_t>> out;
  if (std::optional<object> revocations = object_of(o, "revocations")) {
    for (auto [key, value] : *revocations) {
      int64_t at = 0;
      if (value.get_int64().get(at) == simdjson::SUCCESS) out.emplace_back(std::string(key), at);
    }
  }
  return out;
}

// jwt UserPermissionLimits, from a user JWT's `nats` or a scope's `template`.
UserPermissionLimits user_permission_limits_of(object o) {
  UserPermissionLimits u;
  u.permissions = permissions_of(o);
  u.limits = nats_limits_of(o);
  // jwt CIDRList: an array, or one comma-separated string.
  if (std::optional<element> src = member(o, "src")) {
    std::string_view list;
    if (src->get_string().get(list) == simdjson::SUCCESS) {
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = std::min(list.find(',', start), list.size());
        std::string_view item = list.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) u.src.emplace_back(item);
        start = comma + 1;
      }
    } else {
      u.src = strings_of(o, "src");
    }
  }
  if (std::optional<element> times = member(o, "times")) {
    simdjson::dom::array a;
    if (times->get_array().get(a) == simdjson::SUCCESS) {
      for (element item : a) {
        object range;
        if (item.get_object().get(range) == simdjson::SUCCESS)
          u.times.emplace_back(string_of(range, "start"), string_of(range, "end"));
      }
    }
  }
  u.times_location = string_of(o, "times_location");
  u.bearer_token = bool_of(o, "bearer_token");
  u.allowed_connection_types = strings_of(o, "allowed_connection_types");
  return u;
}

void read_signing_keys(object nats, AccountJwt& acc) {
  std::optional<element> e = member(nats, "signing_keys");
  simdjson::dom::array a;
  if (!e || e->get_array().get(a) != simdjson::SUCCESS) return;
  for (element item : a) {
    std::string_view s;
    object scoped;
    if (item.get_string().get(s) == simdjson::SUCCESS) {
      acc.signing_keys.emplace_back(s);
    } else if (item.get_object().get(scoped) == simdjson::SUCCESS) {
      ScopedSigningKey scope;
      scope.key = string_of(scoped, "key");
      // jwt NewUserScope: the template's limits default to unlimited.
      scope.grants.limits = JwtNatsLimits{-1, -1, -1};
      if (std::optional<object> templ = object_of(scoped, "template")) {
        scope.grants = user_permission_limits_of(*templ);
        for (auto [key, field] : {std::pair{"subs", &scope.grants.limits.subs}, std::pair{"data", &scope.grants.limits.data},
                                  std::pair{"payload", &scope.grants.limits.payload}})
          if (!member(*templ, key)) *field = -1;
      }
      acc.scoped_signing_keys.push_back(std::move(scope));
    }
  }
}

void read_exports(object nats, AccountJwt& acc) {
  std::optional<element> e = member(nats, "exports");
  simdjson::dom::array a;
  if (!e || e->get_array().get(a) != simdjson::SUCCESS) return;
  for (element item : a) {
    object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) continue;
    JwtExport ex;
    ex.subject = string_of(o, "subject");
    ex.service = string_of(o, "type") == "service";
    ex.token_required = bool_of(o, "token_req");
    ex.response_type = response_type_of(string_of(o, "response_type"));
    ex.response_threshold_ns = int_of(o, "response_threshold");
    ex.account_token_position = int_of(o, "account_token_position");
    ex.latency = member(o, "latency").has_value();
    ex.revocations = revocations_of(o);
    acc.exports.push_back(std::move(ex));
  }
}

void read_imports(object nats, AccountJwt& acc) {
  std::optional<element> e = member(nats, "imports");
  simdjson::dom::array a;
  if (!e || e->get_array().get(a) != simdjson::SUCCESS) return;
  for (element item : a) {
    object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) continue;
    JwtImport im;
    im.subject = string_of(o, "subject");
    im.account = string_of(o, "account");
    im.token = string_of(o, "token");
    im.to = string_of(o, "to");
    im.local_subject = string_of(o, "local_subject");
    im.service = string_of(o, "type") == "service";
    im.share = bool_of(o, "share");
    acc.imports.push_back(std::move(im));
  }
}

// jwt Mapping: {"source": [{"subject": ..., "weight": ..., "cluster": ...}, ...], ...}.
void read_mappings(object nats, AccountJwt& acc) {
  std::optional<object> mappings = object_of(nats, "mappings");
  if (!mappings) return;
  for (auto [source, value] : *mappings) {
    JwtMapping m;
    m.source = std::string(source);
    simdjson::dom::array a;
    if (value.get_array().get(a) != simdjson::SUCCESS) continue;
    for (element item : a) {
      object o;
      if (item.get_object().get(o) != simdjson::SUCCESS) continue;
      JwtMapping::Destination d;
      d.subject = string_of(o, "subject");
      if (int64_t weight = int_of(o, "weight"); weight != 0) d.weight = weight;
      d.cluster = string_of(o, "cluster");
      m.destinations.push_back(std::move(d));
    }
    acc.mappings.push_back(std::move(m));
  }
}

}  // namespace

std::string JwtClaims::time_problem(int64_t now) const {
  if (expires > 0 && now > expires) return "claim is expired";
  if (not_before > 0 && not_before > now) return "claim is not yet valid";
  return {};
}

bool AccountJwt::issues_with(std::string_view key) const {
  return key == claims.subject || std::find(signing_keys.begin(), signing_keys.end(), key) != signing_keys.end() ||
         scope(key) != nullptr;
}

const ScopedSigningKey* AccountJwt::scope(std::string_view key) const {
  for (const ScopedSigningKey& s : scoped_signing_keys)
    if (s.key == key) return &s;
  return nullptr;
}

bool revoked_in(const std::vector<std::pair<std::string, int64_t>>& revocations, std::string_view key,
                int64_t issued_at) {
  for (const auto& [who, before] : revocations)
    if ((who == key || who == "*") && before >= issued_at) return true;
  return false;
}

bool AccountJwt::revoked(std::string_view user, int64_t issued_at) const {
  return revoked_in(revocations, user, issued_at);
}

std::optional<OperatorJwt> decode_operator_jwt(std::string_view token, std::string* why) {
  Document doc;
  if (!decode(token, "operator", NkeyKind::Operator, NkeyKind::Operator, doc, why)) return std::nullopt;
  OperatorJwt op;
  op.claims = doc.common;
  op.signing_keys = strings_of(doc.nats, "signing_keys");
  op.system_account = string_of(doc.nats, "system_account");
  op.account_server_url = string_of(doc.nats, "account_server_url");
  op.operator_service_urls = strings_of(doc.nats, "operator_service_urls");
  op.assert_server_version = string_of(doc.nats, "assert_server_version");
  op.strict_signing_key_usage = bool_of(doc.nats, "strict_signing_key_usage");
  op.tags = strings_of(doc.nats, "tags");
  op.version = int_of(doc.nats, "version");
  return op;
}

std::optional<AccountJwt> decode_account_jwt(std::string_view token, std::string* why) {
  Document doc;
  if (!decode(token, "account", NkeyKind::Operator, NkeyKind::Account, doc, why)) return std::nullopt;
  AccountJwt acc;
  acc.claims = doc.common;
  acc.token = std::string(token);
  if (std::optional<object> limits = object_of(doc.nats, "limits")) {
    acc.limits = nats_limits_of(*limits);
    acc.max_connections = int_of(*limits, "conn");
    acc.disallow_bearer = bool_of(*limits, "disallow_bearer");
  }
  read_signing_keys(doc.nats, acc);
  read_exports(doc.nats, acc);
  read_imports(doc.nats, acc);
  read_mappings(doc.nats, acc);
  if (std::optional<object> defaults = object_of(doc.nats, "default_permissions"))
    acc.default_permissions = permissions_of(*defaults);
  acc.revocations = revocations_of(doc.nats);
  acc.tags = strings_of(doc.nats, "tags");
  return acc;
}

std::optional<UserJwt> decode_user_jwt(std::string_view token, std::string* why) {
  Document doc;
  if (!decode(token, "user", NkeyKind::Account, NkeyKind::User, doc, why)) return std::nullopt;
  UserJwt user;
  static_cast<UserPermissionLimits&>(user) = user_permission_limits_of(doc.nats);
  user.claims = doc.common;
  user.issuer_account = string_of(doc.nats, "issuer_account");
  user.tags = strings_of(doc.nats, "tags");
  return user;
}

std::optional<ActivationJwt> decode_activation_jwt(std::string_view token, std::string* why) {
  Document doc;
  if (!decode(token, "activation", NkeyKind::Account, NkeyKind::Account, doc, why)) return std::nullopt;
  ActivationJwt act;
  act.claims = doc.common;
  act.import_subject = string_of(doc.nats, "subject");
  act.service = string_of(doc.nats, "kind") == "service";
  act.issuer_account = string_of(doc.nats, "issuer_account");
  return act;
}

std::string undecorated_jwt(std::string_view contents) {
  // A line of at least three dashes, the JWT, another such line.
  size_t begin = contents.find("---");
  if (begin != std::string_view::npos) {
    size_t line_end = contents.find('\n', begin);
    if (line_end != std::string_view::npos) {
      size_t next = contents.find('\n', line_end + 1);
      std::string_view jwt = contents.substr(line_end + 1, next == std::string_view::npos ? next : next - line_end - 1);
      while (!jwt.empty() && (jwt.back() == '\r' || jwt.back() == ' ')) jwt.remove_suffix(1);
      if (!jwt.empty() && next != std::string_view::npos && contents.substr(next + 1).starts_with("---"))
        return std::string(jwt);
    }
  }
  size_t a = contents.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  size_t b = contents.find_last_not_of(" \t\r\n");
  return std::string(contents.substr(a, b - a + 1));
}

}  // namespace zats::server::auth
