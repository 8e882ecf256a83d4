// SpscRing: single-thread semantics (FIFO, full/empty, wrap-around, batches) and a two-thread
// stress that pushes millions of sequenced items and checks order and no loss.
#include "core/spsc_ring.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

using zats::core::SpscRing;

TEST_CASE("spsc ring: empty, push, pop, full") {
  SpscRing<int, 4> ring;
  int v = -1;
  CHECK(ring.empty());
  CHECK(ring.size_approx() == 0);
  CHECK_FALSE(ring.try_pop(v));
  for (int i = 0; i < 4; ++i) CHECK(ring.try_push(i));
  CHECK(ring.size_approx() == 4);
  CHECK_FALSE(ring.try_push(99));  // full: nothing overwritten
  for (int i = 0; i < 4; ++i) {
    REQUIRE(ring.try_pop(v));
    CHECK(v == i);
  }
  CHECK_FALSE(ring.try_pop(v));
  CHECK(ring.empty());
}

TEST_CASE("spsc ring: wrap-around keeps FIFO order over many laps") {
  SpscRing<uint64_t, 8> ring;
  uint64_t next_in = 0, next_out = 0;
  for (int lap = 0; lap < 1000; ++lap) {
    const int burst = 1 + lap % 7;  // at most one item is left over below
    for (int i = 0; i < burst; ++i) REQUIRE(ring.try_push(next_in++));
    for (int i = 0; i < burst - (lap % 2); ++i) {
      uint64_t v = 0;
      REQUIRE(ring.try_pop(v));
      CHECK(v == next_out++);
    }
    while (ring.size_approx() > 1) {
      uint64_t v = 0;
      REQUIRE(ring.try_pop(v));
      CHECK(v == next_out++);
    }
  }
  uint64_t v = 0;
  while (ring.try_pop(v)) CHECK(v == next_out++);
  CHECK(next_out == next_in);
}

TEST_CASE("spsc ring: batches push what fits and pop what is there") {
  SpscRing<int, 8> ring;
  int in[12];
  for (int i = 0; i < 12; ++i) in[i] = i;
  CHECK(ring.push_batch(in, 12) == 8);
  CHECK(ring.push_batch(in, 1) == 0);
  int out[16] = {};
  CHECK(ring.pop_batch(out, 3) == 3);
  CHECK(out[0] == 0);
  CHECK(out[2] == 2);
  CHECK(ring.push_batch(in + 8, 4) == 3);  // wraps
  CHECK(ring.pop_batch(out, 16) == 8);
  for (int i = 0; i < 8; ++i) CHECK(out[i] == i + 3);
  CHECK(ring.pop_batch(out, 16) == 0);
  CHECK(ring.empty());
}

TEST_CASE("spsc ring: move-only items") {
  SpscRing<std::unique_ptr<int>, 2> ring;
  CHECK(ring.try_push(std::make_unique<int>(7)));
  std::unique_ptr<int> p;
  REQUIRE(ring.try_pop(p));
  REQUIRE(p);
  CHECK(*p == 7);
}

namespace {

// Producer alternates single pushes and batches; consumer alternates single pops and batches.
void stress(uint64_t total) {
  auto ring = std::make_unique<SpscRing<uint64_t, 1024>>();
  std::thread producer([&] {
    uint64_t next = 0;
    uint64_t batch[37];
    while (next < total) {
      if (next % 3 == 0) {
        if (ring->try_push(next)) ++next;
        continue;
      }
      const uint64_t n = std::min<uint64_t>(37, total - next);
      for (uint64_t i = 0; i < n; ++i) batch[i] = next + i;
      next += ring->push_batch(batch, n);
    }
  });
  uint64_t expected = 0;
  bool in_order = true;
  uint64_t out[64];
  while (expected < total) {
    if (expected % 2 == 0) {
      uint64_t v = 0;
      if (ring->try_pop(v)) in_order = in_order && v == expected++;
      continue;
    }
    const size_t n = ring->pop_batch(out, 64);
    for (size_t i = 0; i < n; ++i) in_order = in_order && out[i] == expected++;
  }
  producer.join();
  CHECK(in_order);
  CHECK(expected == total);
  CHECK(ring->empty());
}

}  // namespace

TEST_CASE("spsc ring: two-thread stress keeps order and loses nothing") {
#if defined(__SANITIZE_THREAD__)
  stress(1'000'000);
#else
  stress(5'000'000);
#endif
}
