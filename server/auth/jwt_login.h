// Operator mode's login (auth.go processClientOrLeafAuthentication with trusted keys): the
// CONNECT's user JWT (`jwt`) must be valid and in force, issued by a preloaded account's identity
// or one of its signing keys (and pinned, with resolver_pinned_accounts), that account issued by a trusted operator key and in force; the
// CONNECT's `sig` must be the user's signature of the nonce (unless the JWT is a bearer token the
// account allows); the user must not be revoked and must connect from an address its `src`
// allows. Pure but for the zone database: connect-time windows read their zone's file on its
// first use (the zone library keeps it).
#pragma once

#include <cstdint>

#include "proto/connect.h"
#include "server/auth/authenticator.h"
#include "server/options.h"

namespace zats::server::auth {

// `now`: Unix seconds. On failure, result.failure says why (nats-server's debug texts).
AuthResult jwt_login(const OperatorMode& mode, const proto::ConnectOptions& credentials, const ConnectionProof& proof,
                     int64_t now);

// Loads the server's local zone, which connect-time windows without `times_location` use. Called
// before the workers start, so no worker reads /etc/localtime at a login, and the zone library's
// lazily made lock exists before workers can reach it from two threads at once.
void preload_local_time_zone();

// Whether `ip` (text, v4 or v6) lies in `cidr` ("10.0.0.0/8", "::1/128"); false when either is
// not well-formed.
bool address_in_cidr(std::string_view ip, std::string_view cidr);

}  // namespace zats::server::auth
