// zats: the server binary. Reads flags (nats-server's dialect), checks that io_uring is
// usable, starts the workers and waits for signals: SIGINT stops (exit 0), SIGTERM stops
// (exit 1, as nats-server), SIGUSR1 reopens the log file.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/log.h"
#include "core/reactor.h"
#include "server/flags.h"
#include "server/server.h"

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

// Waits for signals until one asks to stop; returns the exit code.
int wait_for_stop(const sigset_t& set) {
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
        ZATS_WARN("Configuration reload is not supported yet: ignoring SIGHUP");
        break;
      default:
        break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  block_signals(&signals);

  zats::server::Options options;
  zats::server::FlagResult flags = zats::server::parse_flags(argc, argv, options);
  if (!flags.error.empty()) {
    std::fprintf(stderr, "zats: %s\n%s", flags.error.c_str(), zats::server::usage_text());
    return 1;
  }
  switch (flags.action) {
    case zats::server::FlagAction::ShowHelp:
      std::fputs(zats::server::usage_text(), stdout);
      return 0;
    case zats::server::FlagAction::ShowVersion:
      std::printf("zats: v%s (nats-server v2.9.10 compatible)\n", kVersion);
      return 0;
    case zats::server::FlagAction::ShowTlsHelp:
      std::puts("TLS is not supported by this version of zats yet.");
      return 0;
    case zats::server::FlagAction::CheckConfig:
    case zats::server::FlagAction::Signal:
      return fail(flags.action == zats::server::FlagAction::Signal ? "--signal is not supported yet"
                                                                  : "-t needs configuration file support, which is not available yet");
    case zats::server::FlagAction::Run:
      break;
  }
  if (!options.config_file.empty()) return fail("configuration files are not supported by this version of zats yet");

  std::string why;
  if (!zats::core::Reactor::probe(&why)) return fail(why);

  zats::core::LogSettings log;
  log.debug = options.debug;
  log.trace = options.trace;
  log.log_time = options.log_time;
  log.file = options.log_file;
  if (!zats::core::configure_logging(log, &why)) return fail(why);

  zats::server::Server server(options);
  std::string error;
  if (!server.start(&error)) {
    ZATS_FATAL("%s", error.c_str());
    return 1;
  }
  int code = wait_for_stop(signals);
  server.shutdown();
  ZATS_NOTICE("Server Exiting..");
  return code;
}
