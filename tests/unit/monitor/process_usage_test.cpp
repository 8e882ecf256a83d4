// ProcessUsage reads plausible values from /proc: a resident size and a CPU percentage that
// rises while this thread spins.
#include <doctest/doctest.h>

#include <chrono>

#include "server/monitor/process_usage.h"

using namespace zats::server::monitor;

TEST_CASE("process usage: rss and cpu") {
  ProcessUsage u;
  ProcessUsage::Sample first = u.sample();
  CHECK(first.rss_bytes > 1024 * 1024);
  CHECK(first.cpu_percent >= 0);
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  volatile unsigned long spin = 0;
  while (std::chrono::steady_clock::now() < end) spin = spin + 1;
  ProcessUsage::Sample busy = u.sample();
  CHECK(busy.cpu_percent > 5);  // low bar: the machine may be busy with other work
  CHECK(busy.cpu_percent < 250);
}
