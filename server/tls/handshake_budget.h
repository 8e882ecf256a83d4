// HandshakeBudget: how much of one worker loop turn TLS handshakes may take. A handshake step
// (the ClientHello above all: key exchange and a signature) costs tens to hundreds of
// microseconds, so a reconnect storm of thousands of TLS clients could otherwise hold a worker
// for seconds while its established connections wait (nats-server #2573). Each turn may spend
// up to per_turn_ns on handshake steps; a connection arriving once the budget is spent (or
// while others wait) queues, first come first served, and the worker runs the queue at the
// end of later turns, so established traffic gets the rest of every turn. One per worker,
// used on its thread only.
#pragma once

#include <cstdint>
#include <deque>

#include "core/clock.h"
#include "core/reactor.h"

namespace zats::server::tls {

class HandshakeBudget {
 public:
  static constexpr uint64_t kDefaultPerTurnNs = 1'000'000;  // 1 ms of every loop turn

  explicit HandshakeBudget(uint64_t per_turn_ns = kDefaultPerTurnNs) : per_turn_ns_(per_turn_ns) {}

  // May a connection run a handshake step now? False: call wait() and let run_waiting() do it.
  bool may_run() const { return waiting_.empty() && spent_ns_ < per_turn_ns_; }
  void wait(core::SocketId id) { waiting_.push_back(id); }
  bool has_waiting() const { return !waiting_.empty(); }
  // Times a step and charges it to this turn.
  template <class Step>
  auto timed(Step step) {
    uint64_t started = core::monotonic_ns();
    auto result = step();
    spent_ns_ += core::monotonic_ns() - started;
    return result;
  }

  // At the end of a turn: runs waiting connections' steps in arrival order while the budget
  // lasts (step(id) runs one and may find the connection gone), then starts the next turn's.
  template <class Step>
  void run_waiting(Step step) {
    while (!waiting_.empty() && spent_ns_ < per_turn_ns_) {
      core::SocketId id = waiting_.front();
      waiting_.pop_front();
      step(id);
    }
    spent_ns_ = 0;
  }

 private:
  uint64_t per_turn_ns_;
  uint64_t spent_ns_ = 0;
  std::deque<core::SocketId> waiting_;
};

}  // namespace zats::server::tls
