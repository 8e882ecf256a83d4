// WakeFlag: whether a worker is (about to be) asleep in the kernel, so that producers filling
// its incoming rings know when to send a wake-up (io_uring MSG_RING, eventfd). Dekker-style:
// the sleeper announces, fences, then rechecks its rings; a producer pushes, fences, then
// reads the flag — so either the sleeper sees the item or the producer sees the sleeper.
// Producers only read the shared line until the consumer actually sleeps; no per-message write.
#pragma once

#include <atomic>

#include "core/full_fence.h"

namespace zats::core {

class WakeFlag {
 public:
  // Consumer, before sleeping. Then recheck every incoming ring: if one has items, call
  // awake() and do not sleep; otherwise sleep until woken, then call awake().
  void prepare_sleep() {
    sleeping_.store(true, std::memory_order_relaxed);
    full_fence();
  }
  void awake() { sleeping_.store(false, std::memory_order_relaxed); }

  // Producer, after its pushes to this consumer's ring (once per loop turn, not per message):
  // true for exactly one producer per sleep, which must then send the wake-up.
  bool need_wake() {
    full_fence();
    return sleeping_.load(std::memory_order_relaxed) &&
           sleeping_.exchange(false, std::memory_order_acq_rel);
  }

  bool sleeping() const { return sleeping_.load(std::memory_order_relaxed); }

 private:
  alignas(128) std::atomic<bool> sleeping_{false};
};

}  // namespace zats::core
