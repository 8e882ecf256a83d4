#include "server/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <string>

#include "core/clock.h"
#include "core/log.h"

namespace zats::server {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is ours).
  if (enabled_ && sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
}

void SystemdNotifier::send(std::string_view state) {
  if (!enabled_) return;
  std::string text(state);
  int rc = sd_notify(/*unset_environment=*/0, text.c_str());
  if (rc < 0) ZATS_DEBUG("sd_notify failed: %s", std::string(text).c_str());
}

void SystemdNotifier::ready(std::string_view status) { send("READY=1\nSTATUS=" + std::string(status)); }

// systemd wants the CLOCK_MONOTONIC time of the reload request with RELOADING=1.
void SystemdNotifier::reloading() {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(core::monotonic_ns() / 1000));
}

void SystemdNotifier::stopping(std::string_view status) { send("STOPPING=1\nSTATUS=" + std::string(status)); }

void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

void SystemdNotifier::status(std::string_view status) { send("STATUS=" + std::string(status)); }

}  // namespace zats::server
