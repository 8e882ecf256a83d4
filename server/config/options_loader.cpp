// Flags, file, flags again (opts.go ConfigureOptions), the cluster flags, then baseline defaults.
#include "server/config/options_loader.h"

#include "server/config/options_cluster.h"
#include "server/config/options_config.h"

namespace zats::server::config {

LoadedOptions load_options(int argc, const char* const* argv) {
  LoadedOptions out;
  Options from_flags;
  out.flags = parse_flags(argc, argv, from_flags);
  bool reads_config = out.flags.action == FlagAction::Run || out.flags.action == FlagAction::CheckConfig;
  if (!out.flags.error.empty() || !reads_config) {
    out.options = std::move(from_flags);
    return out;
  }
  if (from_flags.config_file.empty()) {
    out.options = std::move(from_flags);
  } else {
    Options merged;
    bool read = apply_config_file(from_flags.config_file, merged, out.config);
    parse_flags(argc, argv, merged);  // flags override the file
    out.options = std::move(merged);
    if (!read) return out;
  }
  if (!apply_cluster_flags(out.flags, out.options, &out.error)) return out;
  // As nats-server, `-t` checks the file only: the --tls* flags are applied when running.
  if (out.flags.action == FlagAction::Run && !apply_tls_flags(out.flags, out.options, &out.error)) return out;
  finish_options(out.options, &out.error);
  return out;
}

}  // namespace zats::server::config
