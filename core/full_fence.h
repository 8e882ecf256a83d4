// full_fence: a sequentially consistent fence for Dekker-style handshakes between cores
// (announce, fence, recheck). GCC's TSan rejects atomic_thread_fence; there a locked RMW on a
// thread-local stands in (a full barrier on x86). TSan does not model fences either way.
#pragma once

#include <atomic>

namespace zats::core {

inline void full_fence() {
#if defined(__SANITIZE_THREAD__)
  thread_local std::atomic<int> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace zats::core
