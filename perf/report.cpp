// The zats-bench report: per-client rows, aggregates, latency, own CPU use.
#include "perf/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace zats::perf {
namespace {

struct Agg {
  uint64_t msgs = 0, bytes = 0, end_ns = 0;
  int clients = 0;
};

double secs(uint64_t from, uint64_t to) { return to > from ? static_cast<double>(to - from) / 1e9 : 0; }
double per_s(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }

std::string human(double v) {
  char b[32];
  if (v >= 1e9) std::snprintf(b, sizeof b, "%.2fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(b, sizeof b, "%.2fM", v / 1e6);
  else if (v >= 1e3) std::snprintf(b, sizeof b, "%.1fk", v / 1e3);
  else std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

std::string us(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1fus", static_cast<double>(ns) / 1e3);
  return b;
}

// What a client sent or received, and when it was done, for its role.
struct Row {
  uint64_t msgs, bytes, end_ns;
};
Row row_of(const Client& c, uint64_t stop_ns) {
  const ClientStats& s = c.stats();
  switch (c.plan().role) {
    case Role::Publisher: return {s.sent, s.sent_bytes, s.end_ns ? s.end_ns : stop_ns};
    case Role::Churner:
    case Role::Handshaker: return {s.ops, 0, stop_ns};
    case Role::Requester: return {s.recv, s.recv_bytes, s.end_ns ? s.end_ns : stop_ns};
    default: return {s.recv, s.recv_bytes, s.last_ns ? s.last_ns : stop_ns};
  }
}

const double kCurve[] = {50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100};

void print_latency_json(const Histogram& h) {
  std::printf(",\"latency_ns\":{\"count\":%llu,\"min\":%llu,\"mean\":%.0f,\"p50\":%llu,\"p90\":%llu,"
              "\"p99\":%llu,\"p99_9\":%llu,\"p99_99\":%llu,\"max\":%llu}",
              static_cast<unsigned long long>(h.count()), static_cast<unsigned long long>(h.min()), h.mean(),
              static_cast<unsigned long long>(h.percentile(50)), static_cast<unsigned long long>(h.percentile(90)),
              static_cast<unsigned long long>(h.percentile(99)), static_cast<unsigned long long>(h.percentile(99.9)),
              static_cast<unsigned long long>(h.percentile(99.99)), static_cast<unsigned long long>(h.max()));
  std::printf(",\"latency_curve\":[");
  for (size_t i = 0; i < std::size(kCurve); ++i)
    std::printf("%s[%g,%llu]", i ? "," : "", kCurve[i], static_cast<unsigned long long>(h.percentile(kCurve[i])));
  std::printf("]");
}

// Queue-group members' share of the messages: min, max and spread.
void queue_distribution(const RunResult& r, bool json) {
  std::vector<uint64_t> counts;
  for (const Client* c : r.clients)
    if (c->plan().role == Role::Subscriber) counts.push_back(c->stats().recv);
  if (counts.empty()) return;
  double mean = 0, var = 0;
  for (auto n : counts) mean += static_cast<double>(n);
  mean /= static_cast<double>(counts.size());
  for (auto n : counts) var += (static_cast<double>(n) - mean) * (static_cast<double>(n) - mean);
  const double cv = mean > 0 ? std::sqrt(var / static_cast<double>(counts.size())) / mean * 100 : 0;
  const auto [mn, mx] = std::minmax_element(counts.begin(), counts.end());
  if (json) {
    std::printf(",\"queue\":{\"members\":%zu,\"min\":%llu,\"max\":%llu,\"cv_pct\":%.2f,\"counts\":[", counts.size(),
                static_cast<unsigned long long>(*mn), static_cast<unsigned long long>(*mx), cv);
    for (size_t i = 0; i < counts.size(); ++i)
      std::printf("%s%llu", i ? "," : "", static_cast<unsigned long long>(counts[i]));
    std::printf("]}");
  } else {
    std::printf("queue distribution over %zu members: min %llu, max %llu, spread (stddev/mean) %.2f%%\n",
                counts.size(), static_cast<unsigned long long>(*mn), static_cast<unsigned long long>(*mx), cv);
  }
}

struct SlowSummary {
  int clients = 0, cut = 0;
  uint64_t first_cut_ns = 0;  // earliest cut seen during the run; 0: none (or only by the probe)
  uint64_t read_bytes = 0;
};

SlowSummary slow_summary(const RunResult& r) {
  SlowSummary ss;
  for (const Client* c : r.clients) {
    if (c->plan().role != Role::Slow) continue;
    const ClientStats& s = c->stats();
    ++ss.clients;
    ss.cut += s.cut;
    ss.read_bytes += s.read_bytes;
    if (s.cut_ns && (!ss.first_cut_ns || s.cut_ns < ss.first_cut_ns)) ss.first_cut_ns = s.cut_ns;
  }
  return ss;
}

// The subscribers' delivery rate between consecutive timeline samples.
void print_timeline(const RunResult& r) {
  std::printf("subscribers' deliveries/s by interval:");
  for (size_t i = 1; i < r.timeline.size(); ++i) {
    const auto& [t0, n0] = r.timeline[i - 1];
    const auto& [t1, n1] = r.timeline[i];
    std::printf(" %.2fs %s", static_cast<double>(t1) / 1e9, human(per_s(n1 - n0, secs(t0, t1))).c_str());
  }
  std::printf("\n");
}

// start_mono_s (CLOCK_MONOTONIC) lets a script place its own observations (a /varz poll) on
// the timeline.
void print_timeline_json(const BenchOptions& o, const RunResult& r) {
  std::printf(",\"timeline_ms\":%g,\"start_mono_s\":%.6f,\"timeline\":[", o.timeline_ms,
              static_cast<double>(r.start_ns) / 1e9);
  for (size_t i = 0; i < r.timeline.size(); ++i)
    std::printf("%s[%.6f,%llu]", i ? "," : "", static_cast<double>(r.timeline[i].first) / 1e9,
                static_cast<unsigned long long>(r.timeline[i].second));
  std::printf("]");
}

}  // namespace

void print_report(const BenchOptions& o, const RunResult& r) {
  std::map<Role, Agg> agg;
  for (const Client* c : r.clients) {
    Row w = row_of(*c, r.stop_ns);
    Agg& a = agg[c->plan().role];
    a.msgs += w.msgs;
    a.bytes += w.bytes;
    a.end_ns = std::max(a.end_ns, w.end_ns);
    ++a.clients;
  }
  const double wall = secs(r.start_ns, r.stop_ns);
  const double cpu_pct = wall > 0 ? r.cpu_s / wall * 100 : 0;

  std::printf("zats-bench %s %s: %s, %zu B payload, %d thread%s\n", o.scenario.c_str(), o.url.c_str(),
              r.note.c_str(), o.size, r.threads, r.threads == 1 ? "" : "s");
  if (!o.quiet && o.scenario != "conns") {
    std::printf("  %5s %-5s %12s %12s %10s  %s\n", "id", "role", "msgs", "msgs/s", "MB/s", "note");
    size_t shown = 0;
    for (const Client* c : r.clients) {
      if (c->plan().role == Role::Idle) continue;
      if (++shown > 32) {
        std::printf("  ... %zu more\n", r.clients.size() - 32);
        break;
      }
      Row w = row_of(*c, r.stop_ns);
      const double s = secs(r.start_ns, w.end_ns);
      std::printf("  %5d %-5s %12llu %12s %10.2f  %s\n", c->plan().id, role_name(c->plan().role),
                  static_cast<unsigned long long>(w.msgs), human(per_s(w.msgs, s)).c_str(),
                  per_s(w.bytes, s) / 1e6, c->stats().error.c_str());
    }
  }
  for (auto& [role, a] : agg) {
    if (role == Role::Idle) continue;
    const double s = secs(r.start_ns, a.end_ns);
    std::printf("aggregate %-5s %d clients: %llu %s in %.3fs = %s/s, %.2f MB/s payload\n", role_name(role), a.clients,
                static_cast<unsigned long long>(a.msgs),
                role == Role::Churner ? "ops" : role == Role::Handshaker ? "handshakes" : "msgs", s,
                human(per_s(a.msgs, s)).c_str(), per_s(a.bytes, s) / 1e6);
    if (role == Role::Handshaker && r.server_cpu_s > 0)
      std::printf("  server CPU %.2fs: %s handshakes per server CPU second\n", r.server_cpu_s,
                  human(static_cast<double>(a.msgs) / r.server_cpu_s).c_str());
  }
  uint64_t missing = 0;
  for (const Client* c : r.clients) missing += c->stats().missing;
  if (missing > 0) std::printf("MISSING replies: %llu requests were never answered\n", static_cast<unsigned long long>(missing));
  if (r.expected > 0)
    std::printf("delivered %llu of %llu expected (%.4f%% missing)\n", static_cast<unsigned long long>(r.received),
                static_cast<unsigned long long>(r.expected),
                r.received >= r.expected ? 0.0
                                         : 100.0 * static_cast<double>(r.expected - r.received) /
                                               static_cast<double>(r.expected));
  if (o.scenario == "queue") queue_distribution(r, false);
  if (o.slow > 0) {
    const SlowSummary ss = slow_summary(r);
    std::printf("slow subscribers: %d, cut by the server: %d", ss.clients, ss.cut);
    if (ss.first_cut_ns) std::printf(" (first seen %.3fs after the start)", secs(r.start_ns, ss.first_cut_ns));
    else if (ss.cut) std::printf(" (seen by the end-of-run probe)");
    std::printf(", %.2f MB read\n", static_cast<double>(ss.read_bytes) / 1e6);
  }
  const Histogram& h = r.latency;
  if (h.count() > 0)
    std::printf("latency n=%llu: p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s  max %s  (%s)\n",
                static_cast<unsigned long long>(h.count()), us(h.percentile(50)).c_str(), us(h.percentile(90)).c_str(),
                us(h.percentile(99)).c_str(), us(h.percentile(99.9)).c_str(), us(h.percentile(99.99)).c_str(),
                us(h.max()).c_str(),
                o.rate > 0 ? "open loop, from scheduled send time" : "closed loop, from actual send time");
  if (r.send_lag.count() > 0)
    std::printf("bench send lag behind schedule: p50 %s  p99 %s  max %s (included in the latencies above)\n",
                us(r.send_lag.percentile(50)).c_str(), us(r.send_lag.percentile(99)).c_str(),
                us(r.send_lag.max()).c_str());
  if (o.scenario == "conns") {
    std::printf("connections ready: %d of %d\n", r.conns_ready, o.conns);
    if (r.mem_before && r.mem_after && r.conns_ready > 0) {
      const double per = (static_cast<double>(*r.mem_after) - static_cast<double>(*r.mem_before)) / r.conns_ready;
      std::printf("server memory (%s): %.1f MiB before, %.1f MiB after = %.0f bytes per connection\n",
                  r.mem_source.c_str(), static_cast<double>(*r.mem_before) / 1048576.0,
                  static_cast<double>(*r.mem_after) / 1048576.0, per);
    } else {
      std::printf("server memory: not measured (give --server-pid PID or --monitor http://host:port)\n");
    }
  }
  if (o.timeline_ms > 0) print_timeline(r);
  std::printf("bench CPU: %.0f%% of one core (%.2fs user+sys over %.2fs)%s\n", cpu_pct, r.cpu_s, wall,
              r.failed ? "" : "");
  if (r.failed) std::printf("FAILED clients: %d\n", r.failed);
  if (r.timed_out) {
    std::printf("TIMED OUT: the run hit its bound before every client finished\n");
    for (const Client* c : r.clients)
      if (!c->finished() && (c->plan().role == Role::Publisher || c->plan().role == Role::Requester))
        std::printf("  unfinished %s %d: %s\n", role_name(c->plan().role), c->plan().id, c->describe().c_str());
  }

  if (!o.json) return;
  for (const Client* c : r.clients) {
    if (c->plan().role == Role::Idle) continue;
    Row w = row_of(*c, r.stop_ns);
    const double s = secs(r.start_ns, w.end_ns);
    std::printf("{\"type\":\"client\",\"scenario\":\"%s\",\"id\":%d,\"role\":\"%s\",\"msgs\":%llu,\"bytes\":%llu,"
                "\"seconds\":%.6f,\"msgs_per_s\":%.1f,\"bytes_per_s\":%.1f}\n",
                o.scenario.c_str(), c->plan().id, role_name(c->plan().role), static_cast<unsigned long long>(w.msgs),
                static_cast<unsigned long long>(w.bytes), s, per_s(w.msgs, s), per_s(w.bytes, s));
  }
  std::printf("{\"type\":\"summary\",\"scenario\":\"%s\",\"url\":\"%s\",\"size\":%zu,\"threads\":%d,\"rate\":%.1f,"
              "\"wall_s\":%.6f,\"bench_cpu_pct\":%.1f,\"failed\":%d,\"timed_out\":%s,\"expected\":%llu,\"received\":%llu",
              o.scenario.c_str(), o.url.c_str(), o.size, r.threads, o.rate, wall, cpu_pct, r.failed,
              r.timed_out ? "true" : "false", static_cast<unsigned long long>(r.expected),
              static_cast<unsigned long long>(r.received));
  std::printf(",\"missing_replies\":%llu", static_cast<unsigned long long>(missing));
  for (auto& [role, a] : agg) {
    if (role == Role::Idle) continue;
    const double s = secs(r.start_ns, a.end_ns);
    std::printf(",\"%s_clients\":%d,\"%s_msgs\":%llu,\"%s_msgs_per_s\":%.1f,\"%s_bytes_per_s\":%.1f", role_name(role),
                a.clients, role_name(role), static_cast<unsigned long long>(a.msgs), role_name(role),
                per_s(a.msgs, s), role_name(role), per_s(a.bytes, s));
  }
  if (h.count() > 0) print_latency_json(h);
  if (r.send_lag.count() > 0)
    std::printf(",\"send_lag_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu}",
                static_cast<unsigned long long>(r.send_lag.percentile(50)),
                static_cast<unsigned long long>(r.send_lag.percentile(99)),
                static_cast<unsigned long long>(r.send_lag.max()));
  if (o.scenario == "queue") queue_distribution(r, true);
  if (o.slow > 0) {
    const SlowSummary ss = slow_summary(r);
    std::printf(",\"slow\":{\"clients\":%d,\"cut\":%d,\"first_cut_s\":%.6f,\"read_bytes\":%llu}", ss.clients, ss.cut,
                ss.first_cut_ns ? secs(r.start_ns, ss.first_cut_ns) : -1.0,
                static_cast<unsigned long long>(ss.read_bytes));
  }
  if (r.server_cpu_s >= 0) std::printf(",\"server_cpu_s\":%.3f", r.server_cpu_s);
  if (o.timeline_ms > 0) print_timeline_json(o, r);
  if (o.scenario == "conns") {
    std::printf(",\"conns\":%d", r.conns_ready);
    if (r.mem_before && r.mem_after && r.conns_ready > 0)
      std::printf(",\"mem_before\":%llu,\"mem_after\":%llu,\"bytes_per_conn\":%.1f,\"mem_source\":\"%s\"",
                  static_cast<unsigned long long>(*r.mem_before), static_cast<unsigned long long>(*r.mem_after),
                  (static_cast<double>(*r.mem_after) - static_cast<double>(*r.mem_before)) / r.conns_ready,
                  r.mem_source.c_str());
  }
  std::printf("}\n");
}

}  // namespace zats::perf
