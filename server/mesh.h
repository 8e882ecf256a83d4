// Mesh: how workers hand published messages to each other. One bounded lock-free SPSC ring
// for each ordered pair of workers (from → to) carrying SharedMessage pointers, a pending-work
// mark per worker (which producers have pushed since the consumer last looked, so it never
// scans every incoming ring), a WakeFlag per worker so a producer wakes a sleeping consumer
// (io_uring MSG_RING to its ring fd) and never a busy one, and a small mutex-guarded control
// mailbox per worker for rare, non-hot work (adopting a connection, monitoring snapshots)
// posted from any thread. At most 64 workers (one mark bit each).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/full_fence.h"
#include "core/spsc_ring.h"
#include "core/wake_flag.h"
#include "server/shared_message.h"

namespace zats::server {

class Mesh {
 public:
  // A 64 KiB receive buffer holds about 2000 16-byte PUBs, all matched in one turn: a ring
  // that holds them keeps a cross-worker stream from pausing its publisher on every receive
  // (1024 slots: pubsub across two workers 4.7-5.9M delivered/s; 4096: 6.2-7.7M).
  static constexpr size_t kRingCapacity = 4096;
  using Ring = core::SpscRing<SharedMessage*, kRingCapacity>;
  using Task = std::function<void()>;

  explicit Mesh(unsigned workers);
  ~Mesh();

  unsigned size() const { return workers_; }
  Ring& ring(unsigned from, unsigned to) { return *rings_[from * workers_ + to]; }
  core::WakeFlag& wake_flag(unsigned worker) { return peers_[worker].wake; }

  // Each worker publishes its io_uring fd once its reactor exists (before any thread runs).
  void set_ring_fd(unsigned worker, int fd) { peers_[worker].ring_fd = fd; }
  int ring_fd(unsigned worker) const { return peers_[worker].ring_fd; }

  // Control plane: queue a task to run on `worker`'s thread (the caller then wakes it).
  void post(unsigned worker, Task task);
  // Runs (on the worker's own thread) every task posted to it so far.
  void run_posted(unsigned worker);
  // A producer with a backlog for ring (from, to) asks the consumer to wake it when it takes
  // messages out (so the backlog moves without waiting for a tick). Dekker-style: each side
  // fences between its own write and its read of the other's.
  void want_room(unsigned from, unsigned to) {
    room_wanted_[from * workers_ + to].flag.store(true, std::memory_order_relaxed);
    core::full_fence();
  }
  // Consumer, after popping from ring (from, to): true when the producer must be woken.
  bool room_made(unsigned from, unsigned to) {
    core::full_fence();
    auto& f = room_wanted_[from * workers_ + to].flag;
    return f.load(std::memory_order_relaxed) && f.exchange(false, std::memory_order_relaxed);
  }

  // Producer `from`, after pushing to ring (from, to): marks it for the consumer. Called on the
  // first push of a loop turn and again before the turn's sends go out (Worker::on_turn_end),
  // never per message. An RMW, so a consumer's take_pending either sees the bit or the bit
  // outlives its take.
  void mark_pending(unsigned from, unsigned to) {
    marks_[to].sources.fetch_or(uint64_t{1} << from, std::memory_order_seq_cst);
  }
  // Consumer: the producers that marked since the last take (bit n = ring (n, worker)); it
  // drains those rings and marks again what it leaves behind. One read of its own line when
  // nothing is pending.
  uint64_t take_pending(unsigned worker) {
    auto& m = marks_[worker].sources;
    return m.load(std::memory_order_relaxed) == 0 ? 0 : m.exchange(0, std::memory_order_acquire);
  }
  void keep_pending(unsigned worker, uint64_t sources) {
    marks_[worker].sources.fetch_or(sources, std::memory_order_relaxed);
  }

  // Whether a ring into `worker` is marked or tasks are posted (cheap; for sleeping).
  bool has_incoming(unsigned worker) {
    return marks_[worker].sources.load(std::memory_order_acquire) != 0 ||
           peers_[worker].mailbox_full.load(std::memory_order_acquire);
  }
  bool has_posted(unsigned worker) { return peers_[worker].mailbox_full.load(std::memory_order_acquire); }

 private:
  struct alignas(128) Peer {
    core::WakeFlag wake;
    int ring_fd = -1;
    std::mutex mailbox_mutex;  // control plane only, never taken per message
    std::vector<Task> mailbox;
    std::atomic<bool> mailbox_full{false};
  };

  struct alignas(64) RoomFlag {
    std::atomic<bool> flag{false};
  };

  struct alignas(128) PendingMark {
    std::atomic<uint64_t> sources{0};
  };

  unsigned workers_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::unique_ptr<RoomFlag[]> room_wanted_;
  std::unique_ptr<PendingMark[]> marks_;
  std::unique_ptr<Peer[]> peers_;
};

}  // namespace zats::server
