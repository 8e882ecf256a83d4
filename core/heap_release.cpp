// mimalloc is found at link time, not compile time: the same core library serves zats (linked
// with mimalloc) and the tests and sanitizer builds (libc malloc), so mi_collect is a weak
// reference that is null where mimalloc is absent.
#include "core/heap_release.h"

#include <sys/mman.h>

#include <cstdint>

extern "C" void mi_collect(bool force) __attribute__((weak));

namespace zats::core {
namespace {

constexpr uintptr_t kPageSize = 4096;

}  // namespace

// A collect of this thread's heap only, taking no lock: a normal one frees its empty pages; a
// forced one also returns the segments it keeps cached for reuse (the huge buffers of a
// burst), which a busy thread would soon want again.
void release_thread_heap(bool quiet) {
  if (mi_collect != nullptr) mi_collect(quiet);
}

// The whole pages inside the block are ours until the free, and nothing in them is read again:
// MADV_DONTNEED drops them now (they would read back as zeros). mimalloc keeps no bookkeeping
// inside a block, and writes only the block's first word when it is freed.
void release_buffer(std::string& buffer) {
  if (mi_collect != nullptr) {
    const auto begin = reinterpret_cast<uintptr_t>(buffer.data());
    const uintptr_t first = (begin + kPageSize - 1) & ~(kPageSize - 1);
    const uintptr_t last = (begin + buffer.capacity() + 1) & ~(kPageSize - 1);
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  }
  std::string().swap(buffer);
}

}  // namespace zats::core
