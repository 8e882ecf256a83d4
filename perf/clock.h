// Monotonic nanosecond clock shared by all bench threads, so a timestamp taken
// on one thread (a publisher's schedule) can be compared on another (a subscriber).
#pragma once

#include <time.h>

#include <cstdint>

namespace zats::perf {

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace zats::perf
