// ProvidedBufferRing: the receive buffers a ring hands to multishot recv (IOSQE_BUFFER_SELECT),
// registered by hand because liburing 2.3 lacks io_uring_setup_buf_ring. A buffer the kernel
// filled belongs to us until give_back(); give_back makes it visible to the kernel at once.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace zats::core {

class ProvidedBufferRing {
 public:
  ProvidedBufferRing() = default;
  ~ProvidedBufferRing();
  ProvidedBufferRing(const ProvidedBufferRing&) = delete;
  ProvidedBufferRing& operator=(const ProvidedBufferRing&) = delete;

  // count: a power of two in [1, 32768]. Registers group `group` on `ring`, all buffers given.
  bool init(io_uring* ring, unsigned count, unsigned size, uint16_t group, std::string* error);

  uint16_t group() const { return group_; }
  unsigned buffer_size() const { return size_; }
  const char* data(uint16_t bid) const { return memory_ + size_t{bid} * size_; }
  // Returns one buffer to the kernel.
  void give_back(uint16_t bid) {
    io_uring_buf_ring_add(ring_, memory_ + size_t{bid} * size_, size_, bid, mask_, 0);
    io_uring_buf_ring_advance(ring_, 1);
  }

 private:
  io_uring_buf_ring* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  char* memory_ = nullptr;
  size_t memory_bytes_ = 0;
  unsigned size_ = 0;
  int mask_ = 0;
  uint16_t group_ = 0;
};

}  // namespace zats::core
