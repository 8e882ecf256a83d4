// zats: the server binary. Reads flags (nats-server's dialect) and the configuration file
// (flags override it), checks that io_uring is usable, starts the workers and waits for
// signals: SIGINT stops (exit 0), SIGTERM stops (exit 1, as nats-server), SIGUSR1 reopens the
// log file, SIGHUP reloads the configuration.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/log.h"
#include "core/reactor.h"
#include "server/config/options_loader.h"
#include "server/flags.h"
#include "server/server.h"
#include "server/tls/cipher_suites.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void block_signals(sigset_t* set) {
  sigemptyset(set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(set, s);
  // Blocked here, before any thread starts, so only sigwait below ever sees them.
  pthread_sigmask(SIG_BLOCK, set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "zats: %s\n", message.c_str());
  return 1;
}

// SIGHUP: re-read the file, flags still override; the server applies or refuses it.
void reload(zats::server::Server& server, int argc, char** argv) {
  zats::server::config::LoadedOptions loaded = zats::server::config::load_options(argc, argv);
  for (const std::string& w : loaded.config.warnings) ZATS_WARN("%s", w.c_str());
  std::string error = !loaded.config.errors.empty() ? loaded.config.errors.front() : loaded.error;
  if (error.empty() && !server.reload(loaded.options, &error)) {
    // error set by reload
  } else if (error.empty()) {
    ZATS_NOTICE("Reloaded server configuration");
    return;
  }
  ZATS_ERROR("Failed to reload server configuration: %s", error.c_str());
}

// Waits for signals until one asks to stop; returns the exit code.
int wait_for_stop(const sigset_t& set, zats::server::Server& server, int argc, char** argv) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    switch (sig) {
      case SIGINT:
        ZATS_NOTICE("Trapped \"interrupt\" signal");
        return 0;
      case SIGTERM:
        ZATS_NOTICE("Trapped \"terminated\" signal");
        return 1;
      case SIGUSR2:
        ZATS_NOTICE("Trapped \"user defined signal 2\" signal: shutting down");
        return 0;
      case SIGUSR1:
        zats::core::reopen_log();
        ZATS_NOTICE("Reopened log file");
        break;
      case SIGHUP:
        ZATS_NOTICE("Trapped \"hangup\" signal");
        reload(server, argc, argv);
        break;
      default:
        break;
    }
  }
}

// Handles the actions that do not run a server; returns -1 to go on running.
int non_run_action(const zats::server::config::LoadedOptions& loaded) {
  using zats::server::FlagAction;
  switch (loaded.flags.action) {
    case FlagAction::ShowHelp:
      std::fputs(zats::server::usage_text(), stdout);
      return 0;
    case FlagAction::ShowVersion:
      std::printf("zats: v%s (nats-server v2.9.10 compatible)\n", kVersion);
      return 0;
    case FlagAction::ShowTlsHelp:
      std::fputs(zats::server::tls::tls_help_text().c_str(), stdout);
      return 0;
    case FlagAction::Signal:
      return fail("--signal is not supported yet");
    case FlagAction::CheckConfig:
      if (loaded.options.config_file.empty())
        return fail("must specify [-c, --config] option to check configuration file syntax");
      // Warnings fail the check too, as in the reference.
      if (!loaded.config.ok() || !loaded.config.warnings.empty()) return fail(loaded.config.to_string());
      if (!loaded.error.empty()) return fail(loaded.error);
      std::fprintf(stderr, "zats: configuration file %s is valid\n", loaded.options.config_file.c_str());
      return 0;
    case FlagAction::Run:
      return -1;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  block_signals(&signals);

  zats::server::config::LoadedOptions loaded = zats::server::config::load_options(argc, argv);
  if (!loaded.flags.error.empty()) {
    std::fprintf(stderr, "zats: %s\n%s", loaded.flags.error.c_str(), zats::server::usage_text());
    return 1;
  }
  if (int code = non_run_action(loaded); code >= 0) return code;
  if (!loaded.config.ok()) return fail(loaded.config.to_string());
  // Warnings only: print them and run (nats-server does the same).
  if (!loaded.config.warnings.empty()) std::fputs(loaded.config.to_string().c_str(), stderr);
  if (!loaded.error.empty()) return fail(loaded.error);
  const zats::server::Options& options = loaded.options;

  std::string why;
  if (!zats::core::Reactor::probe(&why)) return fail(why);

  zats::core::LogSettings log;
  log.debug = options.debug;
  log.trace = options.trace;
  log.log_time = options.log_time;
  log.file = options.log_file;
  if (!zats::core::configure_logging(log, &why)) return fail(why);
  for (const std::string& note : loaded.config.ignored) ZATS_DEBUG("%s", note.c_str());

  zats::server::Server server(options);
  std::string error;
  if (!server.start(&error)) {
    ZATS_FATAL("%s", error.c_str());
    return 1;
  }
  int code = wait_for_stop(signals, server, argc, argv);
  server.shutdown();
  ZATS_NOTICE("Server Exiting..");
  return code;
}
