// WakeFlag: single-thread protocol, and a producer/consumer pair where the consumer really
// sleeps whenever its ring looks empty: no wake-up may ever be lost.
#include "core/wake_flag.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <semaphore>
#include <thread>

#include "core/spsc_ring.h"

using zats::core::SpscRing;
using zats::core::WakeFlag;

TEST_CASE("wake flag: one wake-up per sleep") {
  WakeFlag flag;
  CHECK_FALSE(flag.need_wake());
  flag.prepare_sleep();
  CHECK(flag.sleeping());
  CHECK(flag.need_wake());
  CHECK_FALSE(flag.need_wake());  // a second producer does not wake it again
  flag.prepare_sleep();
  flag.awake();  // found work on the recheck
  CHECK_FALSE(flag.need_wake());
}

TEST_CASE("wake flag: a sleeping consumer is never left asleep with items queued") {
#if defined(__SANITIZE_THREAD__)
  constexpr uint64_t kItems = 20000;
#else
  constexpr uint64_t kItems = 200000;
#endif
  auto ring = std::make_unique<SpscRing<uint64_t, 64>>();
  WakeFlag flag;
  std::counting_semaphore<> wake(0);
  int lost = 0;
  std::thread producer([&] {
    for (uint64_t i = 0; i < kItems; ++i) {
      while (!ring->try_push(i)) std::this_thread::yield();
      if (flag.need_wake()) wake.release();
    }
  });
  uint64_t next = 0;
  while (next < kItems) {
    uint64_t v = 0;
    if (ring->try_pop(v)) {
      CHECK(v == next);
      ++next;
      continue;
    }
    flag.prepare_sleep();
    if (!ring->empty()) {
      flag.awake();
      continue;
    }
    if (!wake.try_acquire_for(std::chrono::seconds(5))) ++lost;  // would hang without a wake
    flag.awake();
  }
  producer.join();
  CHECK(lost == 0);
  CHECK(next == kItems);
}
