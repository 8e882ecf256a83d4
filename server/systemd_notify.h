// SystemdNotifier: readiness and liveness for systemd (Type=notify), through libsystemd's
// sd_notify: READY=1 once every listener is up, RELOADING=1 / READY=1 around a reload,
// STOPPING=1 when shutting down or entering lame duck mode, WATCHDOG=1 while the workers
// answer (when the unit sets WatchdogSec), and STATUS= lines with connection and message
// counts. Without NOTIFY_SOCKET in the environment every call does nothing.
#pragma once

#include <chrono>
#include <string_view>

namespace zats::server {

class SystemdNotifier {
 public:
  SystemdNotifier();

  bool enabled() const { return enabled_; }
  // How often systemd expects WATCHDOG=1 (WATCHDOG_USEC); zero when it does not.
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

  void ready(std::string_view status);
  void reloading();
  void stopping(std::string_view status);
  void watchdog();
  void status(std::string_view status);

 private:
  void send(std::string_view state);

  bool enabled_ = false;
  std::chrono::microseconds watchdog_{0};
};

}  // namespace zats::server
