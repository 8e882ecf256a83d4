// IdlePollPolicy: how long an idle worker busy-polls its incoming rings before it sleeps,
// driven by recent cross-worker traffic rather than a fixed time. Polling pays only when
// another worker's message is about to arrive: it then saves this worker a wake-up (tens of
// microseconds across cores on a virtual machine; perf/RESULTS.md, Request/reply). So it polls
//  - only while such messages keep coming (one arrived within the last kRecentNs),
//  - for about twice as long as they recently took to arrive once the worker went idle,
//    capped by the configured maximum (--idle_poll_us), and not at all when they take
//    longer than that (a poll would only miss),
//  - never while the worker's CPU is contended (its thread was preempted during the last
//    tick): spinning there takes the CPU from whoever is about to produce the message.
// Worker-local; times are CLOCK_MONOTONIC nanoseconds.
#pragma once

#include <algorithm>
#include <cstdint>

namespace zats::server {

class IdlePollPolicy {
 public:
  static constexpr uint64_t kRecentNs = 1'000'000;
  static constexpr uint64_t kSlackNs = 2'000;  // covers the poll loop's own granularity

  explicit IdlePollPolicy(uint64_t max_ns) : max_ns_(max_ns) {}

  // How long to poll now; 0: sleep at once.
  uint64_t budget(uint64_t now_ns) const {
    if (max_ns_ == 0 || contended_ || !seen_ || now_ns - last_arrival_ns_ > kRecentNs || gap_ns_ > max_ns_) return 0;
    return std::min(max_ns_, 2 * gap_ns_ + kSlackNs);
  }

  // Another worker's message arrived `waited_ns` after this worker went idle (polling or
  // asleep). Recent gaps weigh most (moving average, 1/8 per sample).
  void arrived(uint64_t now_ns, uint64_t waited_ns) {
    gap_ns_ = seen_ ? gap_ns_ - gap_ns_ / 8 + waited_ns / 8 : waited_ns;
    seen_ = true;
    last_arrival_ns_ = now_ns;
  }

  // Once per tick: how many times the worker's thread has been preempted so far.
  void preempted_total(uint64_t count) {
    contended_ = count != preempted_;
    preempted_ = count;
  }

  uint64_t gap_ns() const { return gap_ns_; }
  bool contended() const { return contended_; }

 private:
  uint64_t max_ns_;
  uint64_t gap_ns_ = 0;
  uint64_t last_arrival_ns_ = 0;
  uint64_t preempted_ = 0;
  bool seen_ = false;
  bool contended_ = false;
};

}  // namespace zats::server
