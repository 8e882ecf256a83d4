// ProvidedBufferRing: page-aligned ring memory from mmap, registered with
// io_uring_register_buf_ring, then every buffer added once.
#include "core/buffer_ring.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace zats::core {
namespace {

void* map_anonymous(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

bool is_power_of_two(unsigned n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

ProvidedBufferRing::~ProvidedBufferRing() {
  // The owner tears the io_uring down first, so the kernel no longer writes here.
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
  if (memory_ != nullptr) munmap(memory_, memory_bytes_);
}

bool ProvidedBufferRing::init(io_uring* ring, unsigned count, unsigned initial, unsigned size,
                              uint16_t group, std::string* error) {
  if (!is_power_of_two(count) || count > 32768 || size == 0) {
    *error = "buffer ring: buffer_count must be a power of two <= 32768 and buffer_size > 0";
    return false;
  }
  if (!is_power_of_two(initial) || initial > count) {
    *error = "buffer ring: initial_buffers must be a power of two <= buffer_count";
    return false;
  }
  ring_bytes_ = size_t{count} * sizeof(io_uring_buf);
  memory_bytes_ = size_t{count} * size;
  ring_ = static_cast<io_uring_buf_ring*>(map_anonymous(ring_bytes_));
  memory_ = static_cast<char*>(map_anonymous(memory_bytes_));
  if (ring_ == nullptr || memory_ == nullptr) {
    *error = std::string("buffer ring: mmap: ") + strerror(errno);
    return false;
  }
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(ring_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc < 0) {
    *error = std::string("io_uring_register_buf_ring: ") + strerror(-rc);
    return false;
  }
  size_ = size;
  count_ = count;
  mask_ = io_uring_buf_ring_mask(count);
  group_ = group;
  io_uring_buf_ring_init(ring_);
  add_buffers(initial);
  return true;
}

bool ProvidedBufferRing::grow() {
  if (active_ >= count_) return false;
  add_buffers(active_);
  return true;
}

// Buffers [active_, active_ + n) join the ring behind the ones the kernel already holds.
void ProvidedBufferRing::add_buffers(unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    const unsigned bid = active_ + i;
    io_uring_buf_ring_add(ring_, memory_ + size_t{bid} * size_, size_, static_cast<uint16_t>(bid),
                          mask_, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(ring_, static_cast<int>(n));
  active_ += n;
}

void ProvidedBufferRing::release_memory() {
  if (active_ > 0) madvise(memory_, size_t{active_} * size_, MADV_DONTNEED);
}

size_t ProvidedBufferRing::resident_bytes() const {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = size_t{active_} * size_;
  std::vector<unsigned char> pages((bytes + page - 1) / page);
  if (bytes == 0 || mincore(memory_, bytes, pages.data()) != 0) return 0;
  size_t resident = 0;
  for (unsigned char p : pages) resident += p & 1;
  return resident * page;
}

}  // namespace zats::core
