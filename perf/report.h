// Report: turns one finished run into the human table and, with --json, JSON
// lines (one per client, one "summary") that perf/compare reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "perf/bench_options.h"
#include "perf/client.h"
#include "perf/histogram.h"

namespace zats::perf {

struct RunResult {
  std::string note;
  int threads = 0;
  std::vector<const Client*> clients;
  Histogram latency;
  Histogram send_lag;  // paced sends: actual minus scheduled send time
  uint64_t start_ns = 0;
  uint64_t stop_ns = 0;
  double cpu_s = 0;  // the bench's own user+sys time during the run
  uint64_t expected = 0, received = 0;
  int failed = 0;
  bool timed_out = false;
  // conns
  std::optional<uint64_t> mem_before, mem_after;
  std::string mem_source;
  int conns_ready = 0;
  double server_cpu_s = -1;  // --server-pid: the server's user+sys time during the run (-1: unknown)
  // --timeline-ms: (ns since start_ns, subscribers' deliveries so far), oldest first
  std::vector<std::pair<uint64_t, uint64_t>> timeline;
};

void print_report(const BenchOptions& o, const RunResult& r);

}  // namespace zats::perf
