// zats-wake-bench: what waking a sleeping thread costs on this machine, by mechanism. Two
// threads play ping-pong: each signals the other, then sleeps until signalled back; the
// round trip is two wake-ups (plus two signals). Mechanisms: a spinning waiter (no sleep: the
// floor), futex, a blocking eventfd read, an eventfd read through the sleeper's io_uring, and
// io_uring MSG_RING between two rings (plain, and with SINGLE_ISSUER | DEFER_TASKRUN as the
// zats reactor sets them up). The threads run on two different CPUs, then on one.
//
//     zats-wake-bench [--rounds N] [--gap-us G] [--json]
//
// --gap-us: the pinging thread waits this long (spinning) before each ping, so the other side
// has gone to sleep for real, as an idle worker between requests has.
#include <linux/futex.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "perf/clock.h"
#include "perf/histogram.h"

namespace {

using zats::perf::Histogram;

// One way to put a thread to sleep and to wake it; side 0 pings, side 1 answers.
class Mechanism {
 public:
  virtual ~Mechanism() = default;
  virtual void setup(int /*side*/) {}  // on the side's own thread, before the first round
  virtual void signal(int to) = 0;      // from the other side's thread
  virtual void wait(int side) = 0;
  // signal(to) then wait(side) (io_uring does both in one system call, as the reactor does).
  virtual void signal_then_wait(int to, int side) {
    signal(to);
    wait(side);
  }
};

class Spin final : public Mechanism {
 public:
  void signal(int to) override { flag_[to].v.store(1, std::memory_order_release); }
  void wait(int side) override {
    while (flag_[side].v.exchange(0, std::memory_order_acquire) == 0) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    }
  }

 private:
  struct alignas(128) Flag {
    std::atomic<uint32_t> v{0};
  };
  Flag flag_[2];
};

class Futex final : public Mechanism {
 public:
  void signal(int to) override {
    flag_[to].v.store(1, std::memory_order_release);
    syscall(SYS_futex, &flag_[to].v, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  void wait(int side) override {
    while (flag_[side].v.exchange(0, std::memory_order_acquire) == 0)
      syscall(SYS_futex, &flag_[side].v, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  }

 private:
  struct alignas(128) Flag {
    std::atomic<uint32_t> v{0};
  };
  Flag flag_[2];
};

class EventFd : public Mechanism {
 public:
  EventFd() {
    for (int& fd : fd_) fd = eventfd(0, EFD_CLOEXEC);
  }
  ~EventFd() override {
    for (int fd : fd_) close(fd);
  }
  void signal(int to) override {
    uint64_t one = 1;
    if (write(fd_[to], &one, sizeof one) != sizeof one) std::abort();
  }
  void wait(int side) override {
    uint64_t v;
    if (read(fd_[side], &v, sizeof v) != sizeof v) std::abort();
  }

 protected:
  int fd_[2];
};

// The sleeper waits in io_uring_enter for a read of its eventfd, as a reactor would.
class EventFdUring final : public EventFd {
 public:
  ~EventFdUring() override {
    for (auto& r : ring_)
      if (r) io_uring_queue_exit(r.get());
  }
  void setup(int side) override {
    ring_[side] = std::make_unique<io_uring>();
    if (io_uring_queue_init(8, ring_[side].get(), 0) < 0) std::abort();
  }
  void wait(int side) override {
    io_uring* ring = ring_[side].get();
    io_uring_prep_read(io_uring_get_sqe(ring), fd_[side], &value_[side], sizeof value_[side], 0);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(ring, 1) < 0 || io_uring_peek_cqe(ring, &cqe) < 0) std::abort();
    io_uring_cqe_seen(ring, cqe);
  }

 private:
  std::unique_ptr<io_uring> ring_[2];
  uint64_t value_[2] = {};
};

class MsgRing final : public Mechanism {
 public:
  explicit MsgRing(unsigned flags) : flags_(flags) {}
  ~MsgRing() override {
    for (auto& r : ring_)
      if (r) io_uring_queue_exit(r.get());
  }
  // Each ring is made on the thread that submits to it (SINGLE_ISSUER).
  void setup(int side) override {
    auto ring = std::make_unique<io_uring>();
    if (io_uring_queue_init(8, ring.get(), flags_) < 0) std::abort();
    fd_[side].store(ring->ring_fd);
    ring_[side] = std::move(ring);
    while (fd_[1 - side].load() < 0) std::this_thread::yield();
  }
  void signal(int to) override { signal_then_wait(to, -1); }
  void wait(int side) override { reap(side, 1); }
  void signal_then_wait(int to, int side) override {
    io_uring* ring = ring_[1 - to].get();
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_msg_ring(sqe, fd_[to].load(), 0, 1, 0);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    if (side < 0) {
      if (io_uring_submit(ring) < 0) std::abort();
      return;
    }
    reap(side, 1);
  }

 private:
  void reap(int side, unsigned want) {
    io_uring* ring = ring_[side].get();
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(ring, want) < 0 || io_uring_peek_cqe(ring, &cqe) < 0) std::abort();
    if (cqe->res < 0) {
      std::fprintf(stderr, "zats-wake-bench: MSG_RING: %s\n", std::strerror(-cqe->res));
      std::exit(1);
    }
    io_uring_cqe_seen(ring, cqe);
  }

  unsigned flags_;
  std::unique_ptr<io_uring> ring_[2];
  std::atomic<int> fd_[2] = {-1, -1};
};

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void spin_for(uint64_t ns) {
  const uint64_t until = zats::perf::now_ns() + ns;
  while (zats::perf::now_ns() < until) {
  }
}

Histogram ping_pong(Mechanism& m, int cpu0, int cpu1, int rounds, uint64_t gap_ns) {
  Histogram h;
  std::thread answerer([&] {
    pin(cpu1);
    m.setup(1);
    m.wait(1);
    for (int i = 1; i < rounds; ++i) m.signal_then_wait(0, 1);
    m.signal(0);
  });
  pin(cpu0);
  m.setup(0);
  for (int i = 0; i < rounds; ++i) {
    if (gap_ns > 0) spin_for(gap_ns);
    const uint64_t t0 = zats::perf::now_ns();
    m.signal_then_wait(1, 0);
    h.record(zats::perf::now_ns() - t0);
  }
  answerer.join();
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 20000;
  uint64_t gap_ns = 0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--gap-us" && i + 1 < argc) {
      gap_ns = static_cast<uint64_t>(std::atof(argv[++i]) * 1000);
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: zats-wake-bench [--rounds N] [--gap-us G] [--json]\n");
      return 2;
    }
  }
  if (rounds < 2) rounds = 2;
  const unsigned defer = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  struct Case {
    const char* name;
    std::function<std::unique_ptr<Mechanism>()> make;
  };
  const std::vector<Case> cases = {
      {"spin", [] { return std::make_unique<Spin>(); }},
      {"futex", [] { return std::make_unique<Futex>(); }},
      {"eventfd", [] { return std::make_unique<EventFd>(); }},
      {"eventfd-uring", [] { return std::make_unique<EventFdUring>(); }},
      {"msg_ring", [] { return std::make_unique<MsgRing>(0); }},
      {"msg_ring-defer", [defer] { return std::make_unique<MsgRing>(defer); }},
  };
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (!json) std::printf("%-15s %-6s %10s %10s %10s   (round trip = 2 wake-ups, ns)\n", "mechanism", "cpus", "p50", "p90", "p99");
  for (const char* placement : {"two", "one"}) {
    const bool two = std::string_view(placement) == "two" && cpus > 1;
    for (const Case& c : cases) {
      if (!two && std::string_view(c.name) == "spin") continue;  // two spinners on one CPU: only the scheduler tick
      auto m = c.make();
      const Histogram h = ping_pong(*m, 0, two ? 1 : 0, rounds, gap_ns);
      if (json) {
        std::printf("{\"type\":\"wake\",\"mechanism\":\"%s\",\"cpus\":\"%s\",\"gap_us\":%.1f,\"p50_ns\":%lu,"
                    "\"p90_ns\":%lu,\"p99_ns\":%lu,\"rounds\":%lu}\n",
                    c.name, placement, static_cast<double>(gap_ns) / 1000, h.percentile(50), h.percentile(90),
                    h.percentile(99), h.count());
      } else {
        std::printf("%-15s %-6s %10lu %10lu %10lu\n", c.name, placement, h.percentile(50), h.percentile(90),
                    h.percentile(99));
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
