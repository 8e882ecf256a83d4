// Mesh pending-work marks: a consumer that drains only the rings whose producers marked them
// (as Worker::drain_incoming does) still receives everything, whatever the interleaving.
#include "server/mesh.h"

#include <doctest/doctest.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using zats::server::Mesh;
using zats::server::SharedMessage;

namespace {

SharedMessage* fake(uint64_t n) { return reinterpret_cast<SharedMessage*>(static_cast<uintptr_t>(n)); }

}  // namespace

TEST_CASE("pending marks: taken once, kept when asked, and nothing without a mark") {
  Mesh mesh(4);
  CHECK(mesh.take_pending(0) == 0);
  CHECK_FALSE(mesh.has_incoming(0));
  mesh.mark_pending(1, 0);
  mesh.mark_pending(3, 0);
  mesh.mark_pending(3, 0);
  mesh.mark_pending(2, 1);  // another worker's mark
  CHECK(mesh.has_incoming(0));
  CHECK(mesh.take_pending(0) == ((1u << 1) | (1u << 3)));
  CHECK(mesh.take_pending(0) == 0);
  CHECK_FALSE(mesh.has_incoming(0));
  mesh.keep_pending(0, 1u << 2);  // the consumer left messages in ring 2 -> 0
  CHECK(mesh.take_pending(0) == (1u << 2));
  CHECK(mesh.take_pending(1) == (1u << 2));
}

TEST_CASE("pending marks: a consumer draining only marked rings misses nothing") {
#if defined(__SANITIZE_THREAD__)
  constexpr uint64_t kPerProducer = 20000;
#else
  constexpr uint64_t kPerProducer = 200000;
#endif
  constexpr unsigned kWorkers = 4;  // worker 0 consumes, 1..3 produce
  Mesh mesh(kWorkers);
  std::vector<std::thread> producers;
  for (unsigned from = 1; from < kWorkers; ++from) {
    producers.emplace_back([&mesh, from] {
      Mesh::Ring& ring = mesh.ring(from, 0);
      uint64_t next = 1;
      while (next <= kPerProducer) {
        // One "turn": a batch of pushes, then the mark (as Worker::mark_touched before a flush).
        bool pushed = false;
        for (int i = 0; i < 37 && next <= kPerProducer; ++i) {
          if (!ring.try_push(fake((uint64_t{from} << 40) | next))) break;
          ++next;
          pushed = true;
        }
        if (pushed) mesh.mark_pending(from, 0);
        else std::this_thread::yield();
      }
    });
  }
  std::vector<uint64_t> expected(kWorkers, 1);
  uint64_t received = 0;
  bool in_order = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  SharedMessage* batch[64];
  while (received < kPerProducer * (kWorkers - 1) && std::chrono::steady_clock::now() < deadline) {
    uint64_t sources = mesh.take_pending(0);
    uint64_t left = 0;
    for (; sources != 0; sources &= sources - 1) {
      const unsigned from = static_cast<unsigned>(std::countr_zero(sources));
      Mesh::Ring& ring = mesh.ring(from, 0);
      size_t taken = 0;
      while (taken < 100) {  // a fairness limit, so rings are left with messages sometimes
        const size_t n = ring.pop_batch(batch, 16);
        if (n == 0) break;
        for (size_t i = 0; i < n; ++i) {
          const uint64_t v = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(batch[i]));
          in_order = in_order && (v >> 40) == from && (v & ((uint64_t{1} << 40) - 1)) == expected[from];
          ++expected[from];
        }
        taken += n;
      }
      received += taken;
      if (!ring.empty()) left |= uint64_t{1} << from;
    }
    if (left != 0) mesh.keep_pending(0, left);
  }
  for (auto& t : producers) t.join();
  CHECK(in_order);
  CHECK(received == kPerProducer * (kWorkers - 1));
  for (unsigned from = 1; from < kWorkers; ++from) CHECK(mesh.ring(from, 0).empty());
}
