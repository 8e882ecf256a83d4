// RunState: the little the bench threads share — the phase the coordinator
// (main thread) sets, the start time, and counters each worker adds to a few
// times per loop turn (never per message), which the coordinator polls.
#pragma once

#include <atomic>
#include <cstdint>

struct ssl_ctx_st;

namespace zats::perf {

enum class Phase : int { Connecting, Running, Stopping };

struct RunState {
  std::atomic<Phase> phase{Phase::Connecting};
  std::atomic<uint64_t> start_ns{0};
  uint64_t duration_ns = 0;  // 0: publishers run by count
  uint64_t drain_ns = 2'000'000'000;  // how long a requester waits for missing replies
  ssl_ctx_st* tls = nullptr;          // --tls: every client upgrades after INFO

  std::atomic<int> ready{0};      // clients through CONNECT + PONG
  std::atomic<int> finished{0};   // publishers/requesters/self-limited subscribers done
  std::atomic<int> failed{0};     // clients closed or refused
  std::atomic<uint64_t> expected{0};  // deliveries owed to subscribers by finished publishers
  std::atomic<uint64_t> received{0};  // deliveries counted by subscribers
};

}  // namespace zats::perf
