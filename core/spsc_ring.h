// SpscRing: a bounded, lock-free ring for exactly one producer thread and one consumer thread
// (one per ordered pair of workers in the mesh). Pushes publish with a release store of the
// tail, pops acquire it, so everything written before a push is visible after the pop.
// Each side keeps a private copy of the other side's index and rereads the shared one only
// when the copy says full/empty, so in steady state the two cache lines do not ping-pong.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace zats::core {

template <class T, size_t N>
class SpscRing {
  static_assert(N >= 2 && (N & (N - 1)) == 0, "capacity must be a power of two");
  // 128, not 64: adjacent-line prefetchers pull cache lines in pairs.
  static constexpr size_t kLine = 128;

 public:
  static constexpr size_t capacity() { return N; }

  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer only. False when the ring is full (the item is left untouched).
  bool try_push(T&& item) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - producer_.head_cache >= N) {
      producer_.head_cache = head_.load(std::memory_order_acquire);
      if (tail - producer_.head_cache >= N) return false;
    }
    slots_[tail & (N - 1)] = std::move(item);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool try_push(const T& item) {
    T copy = item;
    return try_push(std::move(copy));
  }

  // Producer only. Pushes the first n' <= n items (moved from) and publishes them at once.
  size_t push_batch(T* items, size_t n) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    size_t room = N - (tail - producer_.head_cache);
    if (room < n) {
      producer_.head_cache = head_.load(std::memory_order_acquire);
      room = N - (tail - producer_.head_cache);
    }
    const size_t count = n < room ? n : room;
    for (size_t i = 0; i < count; ++i) slots_[(tail + i) & (N - 1)] = std::move(items[i]);
    if (count > 0) tail_.store(tail + count, std::memory_order_release);
    return count;
  }

  // Consumer only. False when the ring is empty.
  bool try_pop(T& out) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == consumer_.tail_cache) {
      consumer_.tail_cache = tail_.load(std::memory_order_acquire);
      if (head == consumer_.tail_cache) return false;
    }
    out = std::move(slots_[head & (N - 1)]);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. Pops up to max items into out; frees their slots with one store.
  size_t pop_batch(T* out, size_t max) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    size_t ready = consumer_.tail_cache - head;
    if (ready < max) {
      consumer_.tail_cache = tail_.load(std::memory_order_acquire);
      ready = consumer_.tail_cache - head;
    }
    const size_t count = ready < max ? ready : max;
    for (size_t i = 0; i < count; ++i) out[i] = std::move(slots_[(head + i) & (N - 1)]);
    if (count > 0) head_.store(head + count, std::memory_order_release);
    return count;
  }

  // Either side, or a third thread: a snapshot that may be stale by the time it returns.
  bool empty() const { return size_approx() == 0; }
  size_t size_approx() const {
    const uint64_t head = head_.load(std::memory_order_acquire);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    return tail > head ? static_cast<size_t>(tail - head) : 0;
  }

 private:
  // 64-bit positions never wrap in practice, so full is tail - head == N with no spare slot.
  struct ProducerCache { uint64_t head_cache = 0; };
  struct ConsumerCache { uint64_t tail_cache = 0; };

  alignas(kLine) std::atomic<uint64_t> tail_{0};  // written by the producer
  ProducerCache producer_;
  alignas(kLine) std::atomic<uint64_t> head_{0};  // written by the consumer
  ConsumerCache consumer_;
  alignas(kLine) T slots_[N]{};
};

}  // namespace zats::core
