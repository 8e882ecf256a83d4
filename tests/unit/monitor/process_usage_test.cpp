// ProcessUsage reads plausible values from /proc: a resident size and a CPU percentage that
// rises while this thread spins. On a busy machine the spinner may get only a sliver of a CPU,
// so it spins until it has used a fixed amount of CPU time and the check scales with how long
// that took on the wall clock.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>

#include "server/monitor/process_usage.h"

using namespace zats::server::monitor;

namespace {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

TEST_CASE("process usage: rss and cpu") {
  ProcessUsage u;
  ProcessUsage::Sample first = u.sample();
  CHECK(first.rss_bytes > 1024 * 1024);
  CHECK(first.cpu_percent >= 0);
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  const auto give_up = wall_start + std::chrono::seconds(30);
  volatile unsigned long spin = 0;
  while (process_cpu_seconds() - cpu_start < 0.1 && std::chrono::steady_clock::now() < give_up) spin = spin + 1;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double used = process_cpu_seconds() - cpu_start;
  REQUIRE(used >= 0.1);  // 0.1 s of CPU within 30 s of wall time
  ProcessUsage::Sample busy = u.sample();
  // At least half of what this thread alone used over the spin (the sample's window is a bit
  // longer than the spin); at most what two busy CPUs and some slack give.
  CHECK(busy.cpu_percent > 0.5 * used / wall * 100.0);
  CHECK(busy.cpu_percent < 250);
}
