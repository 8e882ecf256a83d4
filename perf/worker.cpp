// Worker: the per-thread io_uring event loop of zats-bench.
#include "perf/worker.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "perf/clock.h"

namespace zats::perf {
namespace {

constexpr size_t kMaxHandshakes = 128;  // stay under the server's accept backlog
constexpr uint64_t kMaxSleepNs = 2'000'000;

}  // namespace

Worker::Worker(RunState& rs, const sockaddr_storage& addr, socklen_t addr_len, const sockaddr_storage& sub_addr,
               socklen_t sub_addr_len, uint64_t spin_ns)
    : rs_(rs), addr_(addr), addr_len_(addr_len), sub_addr_(sub_addr), sub_addr_len_(sub_addr_len), spin_ns_(spin_ns) {}

Worker::~Worker() {
  join();
  if (ring_ok_) io_uring_queue_exit(&ring_);
  for (auto& c : clients_)
    if (c->fd() >= 0) ::close(c->fd());
}

void Worker::add(ClientPlan plan) {
  clients_.push_back(std::make_unique<Client>(std::move(plan), rs_, hist_.get(), lag_.get(), &received_));
  if (clients_.back()->needs_tick()) tickers_.push_back(clients_.back().get());
}

void Worker::start() { thread_ = std::thread([this] { run(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::connect_more() {
  // Handshakes in flight = started - ready; ready clients are a prefix-free set,
  // so count them over the started range (cheap: only until all are started).
  size_t ready = 0;
  for (size_t i = 0; i < next_connect_; ++i) ready += clients_[i]->ready() || clients_[i]->closed();
  while (next_connect_ < clients_.size() && next_connect_ - ready < kMaxHandshakes) {
    Client& c = *clients_[next_connect_++];
    const Role role = c.plan().role;
    const bool receiver = role == Role::Subscriber || role == Role::Responder || role == Role::Slow;
    c.start_connect(&ring_, reinterpret_cast<const sockaddr*>(receiver ? &sub_addr_ : &addr_),
                    receiver ? sub_addr_len_ : addr_len_);
  }
}

uint64_t Worker::tick_all(uint64_t now) {
  uint64_t next = now + kMaxSleepNs;
  for (Client* c : tickers_) next = std::min(next, c->tick(&ring_, now));
  return next;
}

void Worker::wait_and_dispatch(uint64_t now, uint64_t next) {
  // Waking from a kernel sleep costs tens of microseconds on a VM; near a due
  // send or just after traffic, poll instead so that cost stays out of latencies.
  uint64_t wait = next > now ? next - now : 0;
  if (spin_ns_ > 0 && (wait <= spin_ns_ || now < spin_until_)) wait = 0;
  __kernel_timespec ts{static_cast<long long>(wait / 1'000'000'000),
                       static_cast<long long>(wait % 1'000'000'000)};
  io_uring_cqe* cqe = nullptr;
  int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) {
    error_ = std::string("io_uring wait: ") + std::strerror(-rc);
    rs_.phase.store(Phase::Stopping);
    return;
  }
  const uint64_t t = now_ns();
  unsigned head, seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    const uint64_t ud = io_uring_cqe_get_data64(cqe);
    auto* c = reinterpret_cast<Client*>(ud & ~uint64_t{3});
    c->on_cqe(&ring_, static_cast<Client::Op>(ud & 3), cqe->res, t);
    ++seen;
  }
  io_uring_cq_advance(&ring_, seen);
  if (seen > 0 && spin_ns_ > 0) spin_until_ = t + spin_ns_;
}

void Worker::run() {
  prctl(PR_SET_TIMERSLACK, 1UL);  // the default 50us slack would blur paced sends
  io_uring_params p{};
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = 65536;
  const unsigned entries = static_cast<unsigned>(std::clamp<size_t>(clients_.size() * 2, 256, 4096));
  int rc = io_uring_queue_init_params(entries, &ring_, &p);
  if (rc < 0) {
    error_ = std::string("io_uring_queue_init: ") + std::strerror(-rc);
    rs_.failed.fetch_add(static_cast<int>(clients_.size()));
    return;
  }
  ring_ok_ = true;
  while (rs_.phase.load(std::memory_order_acquire) != Phase::Stopping) {
    if (next_connect_ < clients_.size()) connect_more();
    uint64_t now = now_ns();
    uint64_t next = tick_all(now);
    wait_and_dispatch(now, next);
    if (received_ != reported_) {  // one shared add per loop turn, not per message
      rs_.received.fetch_add(received_ - reported_, std::memory_order_relaxed);
      reported_ = received_;
    }
  }
}

}  // namespace zats::perf
