// Clock reads in nanoseconds: CLOCK_MONOTONIC for deadlines and durations, CLOCK_REALTIME
// for the wall-clock times that monitoring shows.
#pragma once

#include <time.h>

#include <cstdint>

namespace zats::core {

inline int64_t clock_ns(clockid_t clock) {
  timespec ts;
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline uint64_t monotonic_ns() { return static_cast<uint64_t>(clock_ns(CLOCK_MONOTONIC)); }
inline int64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }

}  // namespace zats::core
