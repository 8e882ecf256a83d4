// ServiceLoop: what the main thread does while the server runs. Signals are blocked in every
// thread and taken here (sigtimedwait), between timed duties: the steps of lame duck mode and,
// under systemd, the watchdog pings and STATUS lines. Signals as nats-server handles them:
// SIGINT stops (exit 0), SIGTERM stops (exit 1; ignored in lame duck mode), SIGHUP reloads
// the configuration, SIGUSR1 reopens the log file, SIGUSR2 enters lame duck mode (exit 0 when
// it is done).
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>

#include "server/lame_duck.h"
#include "server/server.h"
#include "server/systemd_notify.h"

namespace zats::server {

class ServiceLoop {
 public:
  // reload: re-reads the configuration and applies it (or logs why not).
  ServiceLoop(Server& server, SystemdNotifier& notifier, const sigset_t& signals, std::function<void()> reload);

  // Tells the service manager the server is ready, then runs until the server must stop;
  // returns the exit code.
  int run();

 private:
  // The exit code when `sig` ends the run, or -1 to go on.
  int on_signal(int sig);
  void on_duties(uint64_t now_ns);
  uint64_t next_deadline() const;
  std::string status_text(const ServiceCounts& counts) const;

  Server& server_;
  SystemdNotifier& notifier_;
  sigset_t signals_;
  std::function<void()> reload_;
  LameDuck lame_duck_;
  uint64_t status_every_ns_ = 0;  // 0: no STATUS/WATCHDOG duty
  uint64_t next_status_ns_ = 0;
};

}  // namespace zats::server
