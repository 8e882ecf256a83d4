// zats-bench: a multi-threaded io_uring NATS load generator. The main thread
// only coordinates (connect, start, wait for finishers, drain, stop) and reports;
// the Workers do all the I/O.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/copy_tuning.h"
#include "perf/bench_options.h"
#include "perf/clock.h"
#include "perf/endpoint.h"
#include "perf/report.h"
#include "perf/run_state.h"
#include "perf/scenario.h"
#include "perf/server_cpu.h"
#include "perf/server_memory.h"
#include "perf/tls_channel.h"
#include "perf/worker.h"

namespace zats::perf {
namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Many idle connections need many descriptors.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::optional<uint64_t> server_mem(const BenchOptions& o, std::string& source) {
  if (o.server_pid > 0) {
    source = "VmRSS of pid " + std::to_string(o.server_pid);
    return rss_bytes(o.server_pid);
  }
  if (!o.monitor.empty()) {
    source = "/varz mem";
    return varz_mem_bytes(o.monitor);
  }
  return std::nullopt;
}

int default_threads(size_t clients) {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<int>(std::min<size_t>(clients, static_cast<size_t>(std::max(1L, n / 2))));
}

class Coordinator {
 public:
  explicit Coordinator(const BenchOptions& o) : o_(o) {}
  ~Coordinator() {
    workers_.clear();  // their clients' sessions first
    if (rs_.tls != nullptr) TlsChannel::free_context(rs_.tls);
  }

  int run() {
    auto ep = parse_endpoint(o_.url);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (!ep || !resolve(*ep, addr, len)) {
      std::fprintf(stderr, "zats-bench: cannot resolve %s\n", o_.url.c_str());
      return 2;
    }
    sockaddr_storage sub_addr = addr;
    socklen_t sub_len = len;
    if (!o_.sub_url.empty()) {
      auto sub_ep = parse_endpoint(o_.sub_url);
      if (!sub_ep || !resolve(*sub_ep, sub_addr, sub_len)) {
        std::fprintf(stderr, "zats-bench: cannot resolve %s\n", o_.sub_url.c_str());
        return 2;
      }
    }
    raise_fd_limit();
    if (o_.tls) {
      std::string error;
      rs_.tls = TlsChannel::make_context(o_.tls_ca, &error);
      if (rs_.tls == nullptr) {
        std::fprintf(stderr, "zats-bench: %s\n", error.c_str());
        return 2;
      }
    }
    ScenarioPlan sp = build_scenario(o_, ep->user, ep->pass);
    result_.note = sp.note;
    const int threads = o_.threads > 0 ? o_.threads : default_threads(sp.clients.size());
    result_.threads = threads;
    for (int i = 0; i < threads; ++i) {
      workers_.push_back(
          std::make_unique<Worker>(rs_, addr, len, sub_addr, sub_len, static_cast<uint64_t>(o_.spin_us * 1000)));
    }
    for (size_t i = 0; i < sp.clients.size(); ++i) {
      if (is_finisher(sp.clients[i])) ++finishers_;
      workers_[i % workers_.size()]->add(std::move(sp.clients[i]));
    }
    rs_.duration_ns = o_.msgs ? 0 : static_cast<uint64_t>(o_.duration * 1e9);
    rs_.drain_ns = static_cast<uint64_t>(o_.drain * 1e9);
    if (o_.scenario == "conns") result_.mem_before = server_mem(o_, result_.mem_source);
    for (auto& w : workers_) w->start();
    const int total = static_cast<int>(sp.clients.size());
    const bool connected = wait_connected(total);
    if (connected && o_.settle > 0) sleep_ms(static_cast<int>(o_.settle * 1000));
    if (connected) o_.scenario == "conns" ? hold_idle() : run_load();
    stop();
    if (!connected && o_.scenario != "conns") {
      report_errors();
      return 1;
    }
    print_report(o_, result_);
    return result_.failed || result_.timed_out ? 1 : 0;
  }

 private:
  static bool is_finisher(const ClientPlan& p) {
    return p.role == Role::Publisher || p.role == Role::Requester ||
           (p.role == Role::Subscriber && (p.own_msgs || p.own_duration_ns));
  }

  bool wait_connected(int total) {
    const uint64_t deadline = now_ns() + static_cast<uint64_t>(o_.connect_timeout * 1e9);
    while (rs_.ready.load() + rs_.failed.load() < total && now_ns() < deadline) sleep_ms(2);
    result_.conns_ready = rs_.ready.load();
    return rs_.ready.load() == total;
  }

  void hold_idle() {
    result_.start_ns = now_ns();
    cpu0_ = cpu_seconds();
    sleep_ms(static_cast<int>(o_.hold * 1000));
    result_.mem_after = server_mem(o_, result_.mem_source);
  }

  void run_load() {
    cpu0_ = cpu_seconds();
    if (o_.server_pid > 0) server_cpu0_ = cpu_seconds_of(o_.server_pid);
    result_.start_ns = now_ns();
    next_sample_ns_ = result_.start_ns;
    rs_.start_ns.store(result_.start_ns);
    rs_.phase.store(Phase::Running, std::memory_order_release);
    const uint64_t planned = o_.msgs ? 0 : rs_.duration_ns;
    const uint64_t deadline = result_.start_ns + planned + static_cast<uint64_t>(o_.timeout * 1e9);
    if (finishers_ == 0) {  // nothing ends by itself (e.g. only churners): run the duration
      while (now_ns() < result_.start_ns + planned) sample_and_sleep(2);
    }
    while (rs_.finished.load() < finishers_ && now_ns() < deadline) sample_and_sleep(1);
    result_.timed_out = rs_.finished.load() < finishers_;
    drain(deadline);
  }

  // The coordinator's waits take the --timeline-ms samples: the workers add their deliveries
  // to `received` once per loop turn, so a sample is at most one turn behind.
  void sample_and_sleep(int ms) {
    if (o_.timeline_ms > 0) {
      const uint64_t now = now_ns();
      if (now >= next_sample_ns_) {
        result_.timeline.emplace_back(now - result_.start_ns, rs_.received.load());
        const auto period = static_cast<uint64_t>(o_.timeline_ms * 1e6);
        while (next_sample_ns_ <= now) next_sample_ns_ += period;
      }
    }
    sleep_ms(ms);
  }

  // Publishers are done; wait for the subscribers to get what they are owed,
  // giving up once nothing has arrived for --drain seconds.
  void drain(uint64_t deadline) {
    const uint64_t quiet = static_cast<uint64_t>(o_.drain * 1e9);
    uint64_t last = rs_.received.load(), last_change = now_ns();
    while (rs_.received.load() < rs_.expected.load() && now_ns() < deadline) {
      sample_and_sleep(1);
      const uint64_t r = rs_.received.load();
      if (r != last) {
        last = r;
        last_change = now_ns();
      } else if (now_ns() - last_change > quiet) {
        break;
      }
    }
  }

  void stop() {
    result_.stop_ns = now_ns();
    if (o_.timeline_ms > 0 && result_.start_ns > 0)
      result_.timeline.emplace_back(result_.stop_ns - result_.start_ns, rs_.received.load());
    result_.cpu_s = cpu_seconds() - cpu0_;
    if (server_cpu0_)
      if (std::optional<double> now = cpu_seconds_of(o_.server_pid)) result_.server_cpu_s = *now - *server_cpu0_;
    rs_.phase.store(Phase::Stopping, std::memory_order_release);
    for (auto& w : workers_) w->join();
    // Slow subscribers: did the server cut them? Only reading to the end can tell.
    for (auto& w : workers_)
      for (auto& c : w->clients())
        if (c->plan().role == Role::Slow) c->probe_cut(3'000'000'000);
    result_.expected = rs_.expected.load();
    result_.received = rs_.received.load();
    result_.failed = rs_.failed.load();
    if (result_.start_ns == 0) result_.start_ns = result_.stop_ns;
    for (auto& w : workers_) {
      result_.latency.merge(w->histogram());
      result_.send_lag.merge(w->send_lag());
      for (auto& c : w->clients()) result_.clients.push_back(c.get());
    }
    std::sort(result_.clients.begin(), result_.clients.end(),
              [](const Client* a, const Client* b) { return a->plan().id < b->plan().id; });
  }

  void report_errors() {
    std::fprintf(stderr, "zats-bench: only %d of %zu clients connected to %s within %.0fs\n", rs_.ready.load(),
                 result_.clients.size(), o_.url.c_str(), o_.connect_timeout);
    int shown = 0;
    for (auto& w : workers_)
      if (!w->error().empty()) std::fprintf(stderr, "  worker: %s\n", w->error().c_str());
    for (const Client* c : result_.clients)
      if (!c->stats().error.empty() && shown++ < 5)
        std::fprintf(stderr, "  client %d: %s\n", c->plan().id, c->stats().error.c_str());
  }

  const BenchOptions& o_;
  RunState rs_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int finishers_ = 0;
  double cpu0_ = 0;
  std::optional<double> server_cpu0_;
  uint64_t next_sample_ns_ = 0;
  RunResult result_;
};

}  // namespace
}  // namespace zats::perf

int main(int argc, char** argv) {
  zats::core::adopt_vector_copies(argv);  // the bench seals and opens TLS records too
  const auto opts = zats::perf::parse_bench_options(argc, argv);
  return zats::perf::Coordinator(opts).run();
}
