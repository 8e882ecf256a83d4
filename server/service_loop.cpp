#include "server/service_loop.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/clock.h"
#include "core/log.h"

namespace zats::server {
namespace {

constexpr uint64_t kStatusEveryNs = 5'000'000'000;  // STATUS refresh without a watchdog
constexpr uint64_t kIdleWaitNs = 60'000'000'000;    // nothing due: wait for a signal this long

// Go's names for the signals ("Trapped \"interrupt\" signal").
const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "interrupt";
    case SIGTERM: return "terminated";
    case SIGHUP: return "hangup";
    case SIGUSR1: return "user defined signal 1";
    case SIGUSR2: return "user defined signal 2";
  }
  return "unknown";
}

}  // namespace

ServiceLoop::ServiceLoop(Server& server, SystemdNotifier& notifier, const sigset_t& signals,
                         std::function<void()> reload)
    : server_(server), notifier_(notifier), signals_(signals), reload_(std::move(reload)), lame_duck_(server) {
  if (notifier_.enabled()) {
    // systemd wants a ping within WatchdogSec: send one every half of it.
    uint64_t watchdog_ns = static_cast<uint64_t>(notifier_.watchdog_interval().count()) * 1000;
    status_every_ns_ = watchdog_ns > 0 ? watchdog_ns / 2 : kStatusEveryNs;
  }
}

int ServiceLoop::run() {
  if (notifier_.enabled()) notifier_.ready(status_text(server_.service_counts(std::chrono::milliseconds(1000))));
  if (status_every_ns_ > 0) next_status_ns_ = core::monotonic_ns() + status_every_ns_;
  for (;;) {
    uint64_t now = core::monotonic_ns();
    uint64_t deadline = next_deadline();
    uint64_t wait_ns = deadline == 0 ? kIdleWaitNs : deadline > now ? deadline - now : 0;
    timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    int sig = sigtimedwait(&signals_, nullptr, &timeout);
    if (sig > 0) {
      if (int code = on_signal(sig); code >= 0) return code;
    } else if (errno != EAGAIN && errno != EINTR) {
      ZATS_ERROR("sigtimedwait: %s", std::strerror(errno));
    }
    on_duties(core::monotonic_ns());
    if (lame_duck_.finished()) return 0;
  }
}

int ServiceLoop::on_signal(int sig) {
  ZATS_DEBUG("Trapped \"%s\" signal", signal_name(sig));
  switch (sig) {
    case SIGINT:
      notifier_.stopping("Shutting down");
      return 0;
    case SIGTERM:
      if (lame_duck_.started()) return -1;  // the lame duck finishes on its own
      notifier_.stopping("Shutting down");
      return 1;
    case SIGUSR1:
      core::reopen_log();
      return -1;
    case SIGUSR2:
      if (lame_duck_.started()) return -1;
      notifier_.stopping("Entering lame duck mode");
      lame_duck_.start(core::monotonic_ns());
      return lame_duck_.finished() ? 0 : -1;
    case SIGHUP:
      notifier_.reloading();
      reload_();
      if (notifier_.enabled()) notifier_.ready(status_text(server_.service_counts(std::chrono::milliseconds(1000))));
      return -1;
  }
  return -1;
}

void ServiceLoop::on_duties(uint64_t now_ns) {
  lame_duck_.advance(now_ns);
  if (status_every_ns_ == 0 || now_ns < next_status_ns_) return;
  next_status_ns_ = now_ns + status_every_ns_;
  // The watchdog ping means "every worker still runs its loop": a worker that does not answer
  // within a quarter of the period withholds it, and systemd restarts the service.
  auto bound = std::chrono::milliseconds(std::max<uint64_t>(1, status_every_ns_ / 2'000'000));
  ServiceCounts counts = server_.service_counts(bound);
  if (!notifier_.watchdog_interval().count()) {
    notifier_.status(status_text(counts));
  } else if (counts.all_answered) {
    notifier_.status(status_text(counts));
    notifier_.watchdog();
  } else {
    ZATS_WARN("A worker did not answer within %llu ms: not telling the watchdog we are alive",
              static_cast<unsigned long long>(bound.count()));
  }
}

uint64_t ServiceLoop::next_deadline() const {
  uint64_t deadline = lame_duck_.deadline();
  if (status_every_ns_ > 0 && (deadline == 0 || next_status_ns_ < deadline)) deadline = next_status_ns_;
  return deadline;
}

std::string ServiceLoop::status_text(const ServiceCounts& c) const {
  std::string counts = std::to_string(c.connections) + " connections, " + std::to_string(c.in_msgs) +
                       " messages in, " + std::to_string(c.out_msgs) + " out";
  if (lame_duck_.started()) {
    return "Lame duck mode: " + std::to_string(lame_duck_.remaining()) + " of " + std::to_string(lame_duck_.total()) +
           " clients left to close; " + counts;
  }
  return "Ready: " + counts;
}

}  // namespace zats::server
