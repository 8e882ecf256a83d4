// Scenario: turns BenchOptions into the list of client plans for one run
// (who connects, who publishes what at which rate, who subscribes to what).
#pragma once

#include <string>
#include <vector>

#include "perf/bench_options.h"
#include "perf/client.h"

namespace zats::perf {

struct ScenarioPlan {
  std::vector<ClientPlan> clients;
  bool latency = false;  // some client records latency
  std::string note;      // one line describing the shape, for the report
};

// `user`/`pass` come from the URL and go into every CONNECT.
ScenarioPlan build_scenario(const BenchOptions& o, const std::string& user, const std::string& pass);

}  // namespace zats::perf
