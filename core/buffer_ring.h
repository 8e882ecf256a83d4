// ProvidedBufferRing: the receive buffers a ring hands to recv (IOSQE_BUFFER_SELECT),
// registered by hand because liburing 2.3 lacks io_uring_setup_buf_ring. A buffer the kernel
// filled belongs to us until give_back(); give_back makes it visible to the kernel at once.
// The memory for every buffer is reserved up front but only the buffers in circulation are
// ever touched: the kernel takes buffers in ring order, so all of those become resident, and
// grow() puts more into circulation when the ones there run out. A burst leaves every buffer
// in circulation resident; release_memory() hands those pages back once the burst is over.
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

  // count: a power of two in [1, 32768], the most buffers there will be; `initial` (a power
  // of two, at most count) of them are given to the kernel now. Registers group `group`.
  bool init(io_uring* ring, unsigned count, unsigned initial, unsigned size, uint16_t group,
            std::string* error);
  // Doubles the buffers in circulation (up to count); false when all are in already.
  bool grow();

  uint16_t group() const { return group_; }
  unsigned buffer_size() const { return size_; }
  unsigned in_circulation() const { return active_; }
  const char* data(uint16_t bid) const { return memory_ + size_t{bid} * size_; }
  // Drops the memory of every buffer in circulation (MADV_DONTNEED): a receive into one later
  // faults in fresh zeroed pages. The caller guarantees that no buffer is filled and not yet
  // reported (the kernel writes into them only inside our own io_uring_enter; see Reactor).
  void release_memory();
  // Bytes of buffer memory now resident (mincore).
  size_t resident_bytes() const;
  // Returns one buffer to the kernel.
  void give_back(uint16_t bid) {
    io_uring_buf_ring_add(ring_, memory_ + size_t{bid} * size_, size_, bid, mask_, 0);
    io_uring_buf_ring_advance(ring_, 1);
  }

 private:
  void add_buffers(unsigned n);

  io_uring_buf_ring* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  char* memory_ = nullptr;
  size_t memory_bytes_ = 0;
  unsigned size_ = 0;
  unsigned count_ = 0;
  unsigned active_ = 0;
  int mask_ = 0;
  uint16_t group_ = 0;
};

}  // namespace zats::core
