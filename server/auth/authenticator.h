// Authentication of a client's CONNECT against the options in force (auth.go
// processClientOrLeafAuthentication, core subset): in operator mode a user JWT and its
// signature of the nonce (server/auth/jwt_login.h); else an nkey user when CONNECT names an `nkey` (its
// `sig` must sign the nonce of the client's INFO), then a users list (name + password, possibly
// bcrypt, bound to an account), then a token, then a single user/password; no_auth_user logs
// in clients that present no credentials; with verify_and_map the client certificate names the
// user instead. Pure: no I/O, no state; runs again on reload.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/connect.h"
#include "server/auth/cert_identity.h"
#include "server/options.h"

namespace zats::server::auth {

// Operator mode: what a user JWT grants (server/auth/jwt_login.h).
// Who issued a user JWT (a signing key, else the account) and its name and tags, as a sharing
// service import tells them (server/request_info.h).
struct JwtIdentity {
  std::string issuer_key;
  std::string name;
  std::vector<std::string> tags;
};

struct JwtGrant {
  std::string user;     // the user's public nkey
  std::string account;  // the account's public nkey: its name
  PermissionsPtr permissions;  // the user's, else the account's default permissions; null: none
  // client.go applyAccountLimits: the user's limit and the account's, the lower; -1: none.
  int64_t max_subs = -1;
  int64_t max_payload = -1;
  int64_t account_max_connections = -1;  // limits.conn of the account
  int64_t expires = 0;                   // the user JWT's exp (Unix seconds); 0: never
  int64_t account_expires = 0;           // the account JWT's exp (Unix seconds); 0: never
  int64_t window_ends = 0;               // the end of the user's connect-time window in force; 0: none
  JwtIdentity identity;
};

struct AuthResult {
  bool ok = false;
  const User* user = nullptr;  // the users-list entry it logged in as (points into Options)
  std::string user_name;       // the name it is known by (empty for token / no auth)
  std::optional<JwtGrant> jwt;  // operator mode
  // Why a JWT login failed, as nats-server logs it at debug level ("Signature not verified").
  std::string failure;
  bool failure_is_error = false;  // logged at error level (a bad source address)
  bool account_not_pinned = false;  // refused by resolver_pinned_accounts (/varz pinned_account_fails)
  bool revoked = false;             // refused since the account JWT revokes the user
};

// What the server knows of the connection besides its CONNECT.
struct ConnectionProof {
  const CertIdentity* certificate = nullptr;  // the verified client certificate of a TLS connection
  std::string_view nonce;                      // the nonce its INFO carried (empty: none)
  std::string_view client_ip;                  // where it connects from (a user JWT's `src`)
};

AuthResult authenticate(const Options& options, const proto::ConnectOptions& credentials,
                        const ConnectionProof& proof = {});

// verify_and_map: the users-list entry the certificate names (e-mail, DNS and URI names first,
// then the subject as a DN in any RDN order, then the subject string); null when none does.
const User* user_for_certificate(const Options& options, const CertIdentity& certificate);

// no_auth_user's entry when the credentials are empty and it is configured; else null.
const User* no_auth_user_for(const Options& options, const proto::ConnectOptions& credentials);

}  // namespace zats::server::auth
