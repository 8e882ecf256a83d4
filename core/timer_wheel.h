// TimerWheel: coarse per-connection deadlines (ping interval, auth timeout, write deadline)
// driven by the reactor's tick. Scheduling and cancelling are O(1); an expiry is reported
// at the first tick at or after its deadline. Cancelled entries are dropped lazily.
#pragma once

#include <cstdint>
#include <vector>

namespace zats::core {

class TimerWheel {
 public:
  using TimerId = uint64_t;  // 0 is never a valid id
  // resolution_ns: width of one slot; slots: number of slots (deadlines further away wrap
  // around and are kept until their round comes).
  TimerWheel(uint64_t resolution_ns, uint32_t slots, uint64_t start_ns);

  TimerId schedule(uint64_t deadline_ns, uint64_t cookie);
  void cancel(TimerId id);
  // Calls fire(cookie) for every timer due at now_ns (in deadline order within a slot is not
  // promised). fire may schedule or cancel timers.
  template <class F>
  void advance(uint64_t now_ns, F&& fire);
  size_t size() const;

 private:
  // Implementation-defined.
};

}  // namespace zats::core
