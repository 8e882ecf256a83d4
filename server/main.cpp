// zats: the server binary. Reads flags (nats-server's dialect) and the configuration file
// (flags override it), checks that io_uring is usable, starts the workers, tells systemd it
// is ready, and hands the main thread to the ServiceLoop (signals, lame duck mode, watchdog)
// until it says how to exit. `--signal` sends a command to a running zats instead.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "core/copy_tuning.h"
#include "core/log.h"
#include "core/uring_probe.h"
#include "server/config/options_loader.h"
#include "server/flags.h"
#include "server/server.h"
#include "server/service_loop.h"
#include "server/signal_command.h"
#include "server/systemd_notify.h"
#include "server/tls/cipher_suites.h"

namespace {

constexpr const char* kVersion = "0.1.0";

pthread_t g_main_thread;

// liburcu's hash-table worker thread unblocks SIGUSR1 for its signal-based flavour (which zats
// does not use), so a SIGUSR1 sent to the process lands there: hand it to the main thread,
// where it is blocked and the ServiceLoop takes it. pthread_kill is async-signal-safe.
void forward_to_main(int sig) { pthread_kill(g_main_thread, sig); }

void block_signals(sigset_t* set) {
  sigemptyset(set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(set, s);
  // Blocked here, before any thread starts, so only the ServiceLoop ever takes them.
  pthread_sigmask(SIG_BLOCK, set, nullptr);
  g_main_thread = pthread_self();
  struct sigaction forward {};
  forward.sa_handler = forward_to_main;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &forward, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// One descriptor per connection that is not on a registered io_uring table, so the soft
// open-files limit (often 1024 outside systemd) would cap connections long before the hard
// one. nats-server (Go >= 1.19) raises it to the hard limit at start; so does zats.
void raise_open_files_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
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
    case FlagAction::Signal: {
      std::string error;
      return zats::server::send_signal_command(loaded.flags.signal, &error) == 0 ? 0 : fail(error);
    }
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
  zats::core::adopt_vector_copies(argv);  // first: it may run the program anew
  sigset_t signals;
  block_signals(&signals);
  // The time zone is read once, here, before any thread: later localtime_r calls (the log
  // writer's timestamps) then only read what this stored, instead of one of them filling glibc's
  // zone state while another reads it. (A JWT's connect-time windows use absl's zones.)
  tzset();
  raise_open_files_limit();

  zats::server::config::LoadedOptions loaded = zats::server::config::load_options(argc, argv);
  if (!loaded.flags.error.empty()) {
    std::fprintf(stderr, "zats: %s\n%s", loaded.flags.error.c_str(),
                 loaded.flags.error_with_usage ? zats::server::usage_text() : "");
    return 1;
  }
  if (int code = non_run_action(loaded); code >= 0) return code;
  if (!loaded.config.ok()) return fail(loaded.config.to_string());
  // Warnings only: print them and run (nats-server does the same).
  if (!loaded.config.warnings.empty()) std::fputs(loaded.config.to_string().c_str(), stderr);
  if (!loaded.error.empty()) return fail(loaded.error);
  const zats::server::Options& options = loaded.options;

  std::string why;
  zats::core::UringFeatures uring;
  if (!zats::core::select_uring_features(options.io_uring_tier, &uring, &why)) return fail(why);
  if (!zats::core::configure_logging(zats::server::log_settings(options), &why)) return fail(why);
  for (const std::string& note : loaded.config.ignored) ZATS_DEBUG("%s", note.c_str());

  zats::server::Server server(options);
  std::string error;
  if (!server.start(&error)) {
    ZATS_FATAL("%s", error.c_str());
    return 1;
  }
  zats::server::SystemdNotifier notifier;
  zats::server::ServiceLoop loop(server, notifier, signals, [&] { reload(server, argc, argv); });
  int code = loop.run();
  ZATS_NOTICE("Initiating Shutdown...");
  server.shutdown();
  ZATS_NOTICE("Server Exiting..");
  zats::core::shutdown_logging();
  return code;
}
