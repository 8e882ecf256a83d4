// /metrics: Prometheus text format — HELP/TYPE before samples, counter names ending in _total,
// per-worker labels — and, where promtool is installed, `promtool check metrics` passes.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "server/monitor/metrics.h"
#include "tests/unit/monitor/fixture.h"

using namespace zats::server::monitor;

namespace {

Snapshot busy() {
  Snapshot s = test::reference_snapshot();
  s.server.server_name = "name with \"quotes\" and \\";
  s.totals.connections = 3;
  s.totals.in_msgs = 10;
  s.totals.cpu = 12.5;
  s.workers = {{0, 100, 0.5, 1, 2, 3, 2, 64, 0, 2}, {1, 200, 0.25, 0, 5, 6, 1, 128, 3, 1, 4096, 9, 4, 0, 2}};
  s.server.io_uring_kernel = "6.1.0";
  s.server.io_uring_tier = "6.1";
  s.server.io_uring_features = {"multishot-recv", "defer-taskrun"};
  return s;
}

}  // namespace

TEST_CASE("metrics text is well formed") {
  std::string text = render_metrics(busy());
  std::istringstream in(text);
  std::string line, current;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    CAPTURE(line);
    if (line.rfind("# HELP ", 0) == 0) {
      current = line.substr(7, line.find(' ', 7) - 7);
      CHECK(seen.insert(current).second);  // each family once
      CHECK(current.rfind("zats_", 0) == 0);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::string type = line.substr(line.rfind(' ') + 1);
      bool total = current.size() > 6 && current.compare(current.size() - 6, 6, "_total") == 0;
      CHECK(total == (type == "counter"));
      continue;
    }
    CHECK(line.rfind(current, 0) == 0);  // samples follow their family
  }
  CHECK(text.find("zats_connections 3\n") != std::string::npos);
  CHECK(text.find("zats_in_msgs_total 10\n") != std::string::npos);
  CHECK(text.find("zats_worker_loop_utilization_ratio{worker=\"1\"} 0.25\n") != std::string::npos);
  CHECK(text.find("zats_worker_match_cache_misses_total{worker=\"0\"} 3\n") != std::string::npos);
  CHECK(text.find("zats_io_uring_info{kernel=\"6.1.0\",tier=\"6.1\",tier_forced=\"false\","
                  "features=\"multishot-recv defer-taskrun\"} 1\n") != std::string::npos);
  CHECK(text.find("zats_worker_recv_buffers{worker=\"1\"} 128\n") != std::string::npos);
  CHECK(text.find("zats_worker_recv_out_of_buffers_total{worker=\"1\"} 3\n") != std::string::npos);
  CHECK(text.find("zats_worker_registered_sockets{worker=\"0\"} 2\n") != std::string::npos);
  CHECK(text.find("zats_worker_recv_buffer_resident_bytes{worker=\"1\"} 4096\n") != std::string::npos);
  CHECK(text.find("zats_worker_recv_buffer_releases_total{worker=\"1\"} 9\n") != std::string::npos);
  CHECK(text.find("zats_worker_connections_moved_in_total{worker=\"1\"} 4\n") != std::string::npos);
  CHECK(text.find("zats_worker_moves_given_up_total{worker=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("server_name=\"name with \\\"quotes\\\" and \\\\\"") != std::string::npos);
}

TEST_CASE("promtool check metrics accepts the output") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    MESSAGE("promtool not installed; skipped");
    return;
  }
  char path[] = "/tmp/zats_metrics_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::string text = render_metrics(busy());
  CHECK(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = pclose(p);
  std::remove(path);
  CAPTURE(out);
  CHECK(rc == 0);
  CHECK(out.empty());
}
