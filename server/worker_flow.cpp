// Flow control of a worker: the mesh backlog (a full ring to another worker pauses the
// publisher, never drops) and consumer stalls (a local subscriber over half of max_pending
// briefly holds back the publishers feeding it, as nats-server does, but only for a bounded
// budget per congestion episode, so a stuck consumer is cut rather than slowing everyone).
#include "core/log.h"
#include "server/worker.h"

namespace zats::server {
namespace {

// How long one congestion episode of a consumer may hold its publishers back.
constexpr uint64_t kStallBudgetNs = 100'000'000;  // 100 ms

}  // namespace

// Order per publisher is kept: once a backlog exists for a target, everything for it queues
// behind the backlog. A full ring pauses the publisher's reads (backpressure, never loss).
void Worker::enqueue(unsigned target, SharedMessageRef msg, Connection* from) {
  std::deque<SharedMessageRef>& backlog = overflow_[target];
  if (backlog.empty() && context_.mesh.ring(index_, target).try_push(msg.get())) {
    std::move(msg).into_raw();  // the ring holds the reference now
    return pushed(target);
  }
  touched_[target] = 1;
  backlog.push_back(std::move(msg));
  if (from != nullptr && !from->paused_for(Connection::kPausedForMesh) && !from->closing()) {
    from->pause_input(Connection::kPausedForMesh);
    paused_[target].push_back(from->socket());
    stats_.mesh_backpressure++;
  }
}

void Worker::retry_overflow() {
  for (unsigned t = 0; t < overflow_.size(); ++t) {
    std::deque<SharedMessageRef>& backlog = overflow_[t];
    Mesh::Ring& ring = context_.mesh.ring(index_, t);
    for (int attempt = 0; attempt < 2 && !backlog.empty(); ++attempt) {
      while (!backlog.empty() && ring.try_push(backlog.front().get())) {
        std::move(backlog.front()).into_raw();  // the ring holds the reference now
        backlog.pop_front();
        pushed(t);
      }
      // Still full: ask the consumer to wake us when it takes some, then look once more.
      if (!backlog.empty() && attempt == 0) context_.mesh.want_room(index_, t);
    }
    if (!backlog.empty() || paused_[t].empty()) continue;
    std::vector<core::SocketId> resumed;
    resumed.swap(paused_[t]);  // resume_input() may publish and pause again
    for (core::SocketId id : resumed) {
      Connection* c = connection(id);
      if (c == nullptr || !c->paused_for(Connection::kPausedForMesh)) continue;
      c->unpause_input(Connection::kPausedForMesh);
      c->resume_input();
    }
  }
}

// A consumer went over half of max_pending: while its episode's budget lasts, publishers
// that feed it pause (local ones directly, remote ones through the rings we stop draining).
// The first push of a turn to a target marks it at once (the consumer may be polling);
// mark_touched() marks again, for what the consumer took the mark before seeing.
void Worker::pushed(unsigned target) {
  if (touched_[target]) return;
  touched_[target] = 1;
  context_.mesh.mark_pending(index_, target);
}

void Worker::consumer_congested(Connection& consumer) {
  consumer.set_stalling(true);
  ++stalling_consumers_;
  congested_.push_back(consumer.socket());
}

void Worker::consumer_relieved(Connection& consumer) {
  if (!consumer.stalling()) return;
  consumer.set_stalling(false);
  if (--stalling_consumers_ == 0) release_stalled_publishers();
}

void Worker::stall_publisher(core::SocketId id) {
  Connection* p = connection(id);
  if (p == nullptr || p->closing() || p->paused_for(Connection::kPausedForStall)) return;
  p->pause_input(Connection::kPausedForStall);
  stalled_publishers_.push_back(id);
}

void Worker::release_stalled_publishers() {
  std::vector<core::SocketId> released;
  released.swap(stalled_publishers_);
  for (core::SocketId id : released)
    if (Connection* p = connection(id)) p->unpause_input(Connection::kPausedForStall);
}

// Episodes past their budget stop holding anyone back: that consumer is now on its own
// and is cut at max_pending or by the write deadline.
void Worker::expire_stalls(uint64_t now_ns) {
  if (congested_.empty()) return;
  std::erase_if(congested_, [&](core::SocketId id) {
    Connection* c = connection(id);
    if (c == nullptr || !c->stalling()) return true;
    if (now_ns - c->congested_since() < kStallBudgetNs) return false;
    consumer_relieved(*c);
    return true;
  });
}

}  // namespace zats::server
