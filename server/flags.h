// Command-line flags in nats-server's dialect (Go's flag package): `-x` and `--x` are the
// same flag, values come as `-p 4222` or `-p=4222`, booleans as `-D` or `-D=false`, and
// parsing stops at the first non-flag argument or `--`. Flags override the config file, so
// the result records which options were set explicitly.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/options.h"

namespace zats::server {

enum class FlagAction { Run, ShowHelp, ShowVersion, ShowTlsHelp, CheckConfig, Signal };

// The --tls* flags as given; apply_tls_flags() turns them into Options::tls after the merge.
struct TlsFlags {
  bool tls = false;
  bool verify = false;
  std::string cert, key, ca;
};

struct FlagResult {
  FlagAction action = FlagAction::Run;
  std::string error;            // non-empty: bad command line (exit 1)
  bool error_with_usage = true;  // print the usage after the error (not for a stray argument)
  std::string signal;           // --signal argument
  std::set<std::string> given;  // canonical names of the options set by a flag
  // --cluster/--cluster_listen and --routes as given (the last of each): applied over the
  // file once it is read (config::apply_cluster_flags), as nats-server's overrideCluster.
  std::optional<std::string> cluster_listen;
  std::optional<std::string> routes;
  TlsFlags tls;
};

// Parses argv[1..] into `options`. Options not named on the command line keep their value.
FlagResult parse_flags(int argc, const char* const* argv, Options& options);

// nats-server's handling of the --tls* flags after the flags and the file are merged: `--tls=false`
// turns TLS off; otherwise any --tls* flag replaces the context with one built from the flags
// (certificate and key required). False with the reference's message on error.
bool apply_tls_flags(const FlagResult& flags, Options& options, std::string* error);

// The usage text (nats-server's, plus zats's own flags).
const char* usage_text();

}  // namespace zats::server
