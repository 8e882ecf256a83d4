// ProcessUsage (see process_usage.h): /proc/self/statm for RSS, /proc/self/stat for CPU ticks.
#include "server/monitor/process_usage.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace zats::server::monitor {
namespace {

double now_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t rss_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// Seconds since boot at which the process started (field 22 of /proc/self/stat).
double start_seconds_since_boot() {
  FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return 0;
  char buf[1024];
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // The command name may hold spaces; the fields we want follow its closing ')'.
  const char* p = std::strrchr(buf, ')');
  unsigned long long start = 0;
  if (p == nullptr || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1) {
    return 0;
  }
  return static_cast<double>(start) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

ProcessUsage::Sample ProcessUsage::sample() {
  Sample s;
  s.rss_bytes = rss_bytes();
  double cpu = now_seconds(CLOCK_PROCESS_CPUTIME_ID);
  double wall = now_seconds(CLOCK_BOOTTIME);
  double since_cpu = last_cpu_seconds_ < 0 ? cpu : cpu - last_cpu_seconds_;
  double since_wall = last_cpu_seconds_ < 0 ? wall - start_seconds_since_boot() : wall - last_wall_seconds_;
  if (since_wall > 0) s.cpu_percent = since_cpu / since_wall * 100.0;
  last_cpu_seconds_ = cpu;
  last_wall_seconds_ = wall;
  return s;
}

}  // namespace zats::server::monitor
