// LogRing: one thread's queue of log records on their way to the log writer thread. A
// single-producer, single-consumer ring of variable-length records in one fixed block: the
// producer never waits and never allocates; a record that does not fit is dropped and counted.
// Records never wrap: one that would cross the end leaves a skip marker and starts at offset 0.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace zats::core {

class LogRing {
 public:
  // capacity: bytes, a power of two (at least 64).
  explicit LogRing(size_t capacity) : capacity_(capacity), buffer_(new char[capacity]) {}
  LogRing(const LogRing&) = delete;
  LogRing& operator=(const LogRing&) = delete;

  // The largest record reserve() can ever accept.
  size_t max_record() const { return capacity_ / 2 - kPrefix; }

  // Producer: room for a record of `size` bytes, or nullptr when the ring is full (the record
  // is then counted as dropped). commit() publishes it; nothing is visible before.
  char* reserve(size_t size) {
    const uint64_t bytes = round_up(size + kPrefix);
    if (size > max_record()) return drop();
    uint64_t pos = reserved_ % capacity_;
    uint64_t to_end = capacity_ - pos;
    uint64_t need = bytes <= to_end ? bytes : to_end + bytes;
    if (reserved_ + need - cached_tail_ > capacity_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (reserved_ + need - cached_tail_ > capacity_) return drop();
    }
    if (bytes > to_end) {
      write_prefix(pos, 0);  // skip marker: the consumer jumps to offset 0
      reserved_ += to_end;
      pos = 0;
    }
    write_prefix(pos, static_cast<uint32_t>(size + kPrefix));  // exact; the stride is rounded up
    pending_ = bytes;
    return buffer_.get() + pos + kPrefix;
  }
  void commit() {
    reserved_ += pending_;
    head_.store(reserved_, std::memory_order_release);
  }

  // Consumer: the oldest record (its size in *size), or nullptr when empty; pop() frees it.
  const char* peek(size_t* size) {
    for (;;) {
      if (tail_local_ == head_.load(std::memory_order_acquire)) return nullptr;
      uint64_t pos = tail_local_ % capacity_;
      uint32_t bytes = read_prefix(pos);
      if (bytes == 0) {  // skip marker
        tail_local_ += capacity_ - pos;
        tail_.store(tail_local_, std::memory_order_release);
        continue;
      }
      *size = bytes - kPrefix;
      peeked_ = round_up(bytes);
      return buffer_.get() + pos + kPrefix;
    }
  }
  void pop() {
    tail_local_ += peeked_;
    tail_.store(tail_local_, std::memory_order_release);
  }
  bool empty() const { return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire); }

  // Records refused because the ring was full (any thread may read it).
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kPrefix = 8;  // the record's exact size (u32), padded: records stay 8-aligned
  static uint64_t round_up(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
  void write_prefix(uint64_t pos, uint32_t bytes) { std::memcpy(buffer_.get() + pos, &bytes, sizeof bytes); }
  uint32_t read_prefix(uint64_t pos) const {
    uint32_t bytes;
    std::memcpy(&bytes, buffer_.get() + pos, sizeof bytes);
    return bytes;
  }
  char* drop() {
    // Only the producer writes it: a plain read-modify-write, atomic only so readers see it.
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return nullptr;
  }

  const size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  // Producer side.
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t reserved_ = 0;
  uint64_t pending_ = 0;
  uint64_t cached_tail_ = 0;
  std::atomic<uint64_t> dropped_{0};
  // Consumer side.
  alignas(64) std::atomic<uint64_t> tail_{0};
  uint64_t tail_local_ = 0;
  uint64_t peeked_ = 0;
};

}  // namespace zats::core
