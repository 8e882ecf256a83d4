// Building the Options a run (or a reload) uses, the way nats-server's ConfigureOptions does:
// the command line first (to find -c), then the configuration file, then the command line
// again so flags override the file, then the cluster flags (--cluster, --routes: they need the
// file's cluster settings), then defaults and cross-checks.
#pragma once

#include <string>

#include "server/config/options_diagnostics.h"
#include "server/flags.h"
#include "server/options.h"

namespace zats::server::config {

struct LoadedOptions {
  Options options;
  FlagResult flags;            // flags.error: a bad command line
  OptionsDiagnostics config;   // errors and warnings from the file
  std::string error;           // a bad --cluster/--routes, or a contradiction found after merging
                               // (finish_options)

  bool ok() const { return flags.error.empty() && config.ok() && error.empty(); }
};

LoadedOptions load_options(int argc, const char* const* argv);

}  // namespace zats::server::config
