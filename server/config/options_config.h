// The configuration file → Options mapping: every core key of nats-server 2.9.10
// (docs/compatibility.md, Configuration keys) read onto an Options (the cluster block in
// options_cluster.cpp), unknown keys refused as `file:line:col: unknown field "x"`, keys of
// features zats lacks (tls, leafnodes, ...) refused as "<key> is not supported by zats yet",
// harmless ones accepted and ignored. Nothing here throws or touches global state.
#pragma once

#include <string>

#include "server/config/config_value.h"
#include "server/config/options_diagnostics.h"
#include "server/options.h"

namespace zats::server::config {

// Applies the keys of `root` (a parsed file's top-level map) over `options`.
void apply_config(const ConfigValue& root, Options& options, OptionsDiagnostics& diag);

// Parses `path` and applies it; a syntax error lands in diag.errors. Also sets
// options.config_file. Returns diag.ok().
bool apply_config_file(const std::string& path, Options& options, OptionsDiagnostics& diag);

// nats-server's setBaselineOptions and the checks of validateOptions that apply to core:
// zeroes become defaults; false with a message when the options contradict each other
// (max_payload above max_pending, no_auth_user naming nobody, a cluster_advertise that is not
// host[:port]).
bool finish_options(Options& options, std::string* error);

// Operator mode (options_operator.cpp): jwt.go validateTrustedOperators, then the preloaded
// account JWTs that a trusted key signed become the accounts (with their exports and imports).
// Runs once per Options (OperatorMode::loaded).
bool finish_operator_mode(Options& options, std::string* error);

// An account's new JWT, sent by a system account user on $SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE
// (or the older $SYS.ACCOUNT.<key>.CLAIMS.UPDATE), applied to finished options as nats-server's
// memory resolver takes it: the JWT replaces the account's preload, and the preloaded accounts,
// their exports, imports and mappings are made again. `message` and `error` are nats-server's
// texts for the answer and the log; error empty: done (or skipped: an account not preloaded).
struct AccountClaimsUpdate {
  std::string message;
  std::string error;
  bool changed = false;  // the options differ (a new JWT was taken)
};
AccountClaimsUpdate update_account_claims(Options& options, std::string_view key, std::string_view token);

}  // namespace zats::server::config
