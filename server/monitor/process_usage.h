// ProcessUsage: the process's resident memory and CPU percentage for /varz "mem" and "cpu",
// read from /proc like nats-server's pse package. CPU is averaged since the previous sample
// (since process start for the first), in percent of one core, as `ps` reports it.
#pragma once

#include <cstdint>

namespace zats::server::monitor {

class ProcessUsage {
 public:
  struct Sample {
    std::int64_t rss_bytes = 0;
    double cpu_percent = 0;
  };

  // Not thread-safe; keep one per caller (the monitoring thread).
  Sample sample();

 private:
  double last_cpu_seconds_ = -1;
  double last_wall_seconds_ = 0;
};

}  // namespace zats::server::monitor
