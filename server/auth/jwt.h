// NATS JWTs (operator mode, docs/compatibility.md, Operator mode): an operator, account or user
// identity as `header.claims.signature`, each part base64 URL without padding. The header is
// {"typ":"JWT","alg":"ed25519-nkey"}; the claims are JSON with the issuer's nkey in `iss`, the
// subject's in `sub` and the kind's own fields under `nats`; the signature is the issuer's
// ed25519 signature of "header.claims" (server/auth/nkey.h verifies it). The decoders below check
// the form, the header, the signature and the kinds of the issuer and subject keys, as the
// reference's jwt library does; whether the issuer is trusted is the caller's question.
// Version 1 JWTs (pre-2.0 tooling) are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/permissions.h"

namespace zats::server::auth {

// What every NATS JWT carries (jwt ClaimsData).
struct JwtClaims {
  std::string id;       // jti
  std::string issuer;   // iss: the public nkey that signed it
  std::string subject;  // sub: the public nkey it describes
  std::string name;
  std::string audience;    // aud
  int64_t issued_at = 0;   // iat, Unix seconds
  int64_t expires = 0;     // exp, Unix seconds; 0: never
  int64_t not_before = 0;  // nbf, Unix seconds; 0: no lower bound

  // jwt ClaimsData.Validate's time checks at `now` (Unix seconds): empty when valid, else the
  // library's text ("claim is expired", "claim is not yet valid").
  std::string time_problem(int64_t now) const;
};

struct OperatorJwt {
  JwtClaims claims;
  std::vector<std::string> signing_keys;
  std::string system_account;
  std::string account_server_url;
  std::vector<std::string> operator_service_urls;
  std::string assert_server_version;
  bool strict_signing_key_usage = false;
  std::vector<std::string> tags;
  int64_t version = 0;
  // The JWT as the configuration gave it, as /varz shows it: a file's whole text, unless the JWT
  // sits between decoration lines (then the JWT alone). Filled by the configuration reader.
  std::string as_configured;
};

// An account's export (jwt Export): public unless token_req.
struct JwtExport {
  std::string subject;
  bool service = false;
  bool token_required = false;
  std::string response_type = "Singleton";  // as the config spells it: Singleton, Streamed, Chunked
  int64_t response_threshold_ns = 0;         // 0: the default
  int64_t account_token_position = 0;        // 0: none (AccountExport::account_token_position)
  bool latency = false;                      // asks for service latency tracking (not done: a warning)
  std::vector<std::pair<std::string, int64_t>> revocations;  // importer account (or "*") -> revoked before
};

// An account's import (jwt Import): `subject` is the exporter's; `to` (deprecated) is a stream's
// prefix or a service's exporter subject; `local_subject` is the importer's own subject.
struct JwtImport {
  std::string subject;
  std::string account;
  std::string token;
  std::string to;
  std::string local_subject;
  bool service = false;
  bool share = false;
};

// An account's subject mapping (jwt Mapping): a source and its weighted destinations, as the
// configuration's `mappings` has them (server/subject_mapping.h); a weight left out is 100.
struct JwtMapping {
  struct Destination {
    std::string subject;
    int64_t weight = 100;
    std::string cluster;
  };
  std::string source;
  std::vector<Destination> destinations;
};

// -1 (jwt.NoLimit) is unlimited; a field the JWT leaves out is 0, as Go decodes it.
struct JwtNatsLimits {
  int64_t subs = 0;
  int64_t data = 0;
  int64_t payload = 0;
};

// jwt UserPermissionLimits: what a user JWT grants, or a scoped signing key's template grants
// every user it signs.
struct UserPermissionLimits {
  PermissionsPtr permissions;  // null: none (the account's defaults apply)
  JwtNatsLimits limits;
  std::vector<std::string> src;     // CIDRs the user may connect from (empty: any)
  // Connect-time windows ("15:04:05" start and end, local time or times_location's).
  std::vector<std::pair<std::string, std::string>> times;
  std::string times_location;
  bool bearer_token = false;        // no nonce signature needed
  std::vector<std::string> allowed_connection_types;

  // jwt HasEmptyPermissions: nothing set at all (what a scoped signing key's users must be).
  bool empty() const {
    return !permissions && limits.subs == 0 && limits.data == 0 && limits.payload == 0 && src.empty() && times.empty() &&
           times_location.empty() && !bearer_token && allowed_connection_types.empty();
  }
};

// A user_scope signing key: users it signs get its template, not their own claims.
struct ScopedSigningKey {
  std::string key;
  UserPermissionLimits grants;
};

struct AccountJwt {
  JwtClaims claims;
  std::string token;  // the JWT itself
  JwtNatsLimits limits;
  int64_t max_connections = 0;  // limits.conn
  bool disallow_bearer = false;
  std::vector<std::string> signing_keys;  // plain signing keys
  std::vector<ScopedSigningKey> scoped_signing_keys;
  std::vector<JwtExport> exports;
  std::vector<JwtImport> imports;
  std::vector<JwtMapping> mappings;
  PermissionsPtr default_permissions;  // null: none
  std::vector<std::pair<std::string, int64_t>> revocations;  // user key (or "*") -> revoked before
  std::vector<std::string> tags;  // "name:value" (scoped signing key templates read them)

  // A user JWT signed by `key` is this account's: its identity or one of its signing keys.
  bool issues_with(std::string_view key) const;
  const ScopedSigningKey* scope(std::string_view key) const;  // null: not a scoped key
  // accounts.go checkUserRevoked: the user's JWT issued at `issued_at` is revoked.
  bool revoked(std::string_view user, int64_t issued_at) const;
};

struct UserJwt : UserPermissionLimits {
  JwtClaims claims;
  std::string issuer_account;  // set when a signing key issued it
  std::vector<std::string> tags;  // "name:value" (scoped signing key templates read them)
};

// An activation token (jwt ActivationClaims): the exporting account (or one of its signing keys,
// naming it in issuer_account) lets the account in `sub` import `import_subject`.
struct ActivationJwt {
  JwtClaims claims;
  std::string import_subject;
  bool service = false;  // kind
  std::string issuer_account;
};

// Each returns nullopt with the reason in `why` (the jwt library's text where it has one).
std::optional<OperatorJwt> decode_operator_jwt(std::string_view token, std::string* why);
std::optional<AccountJwt> decode_account_jwt(std::string_view token, std::string* why);
std::optional<UserJwt> decode_user_jwt(std::string_view token, std::string* why);
std::optional<ActivationJwt> decode_activation_jwt(std::string_view token, std::string* why);

// accounts.go isRevoked: `key` (or everyone, "*") revoked at or after `issued_at`.
bool revoked_in(const std::vector<std::pair<std::string, int64_t>>& revocations, std::string_view key,
                int64_t issued_at);

// jwt.ParseDecoratedJWT: the JWT inside a "-----BEGIN ... JWT-----" block, else the text trimmed.
std::string undecorated_jwt(std::string_view contents);

}  // namespace zats::server::auth
