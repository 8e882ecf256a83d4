// mimalloc is found at link time, not compile time: the same core library serves zats (linked
// with mimalloc) and the tests and sanitizer builds (libc malloc), so mi_collect is a weak
// reference that is null where mimalloc is absent.
#include "core/heap_release.h"

extern "C" void mi_collect(bool force) __attribute__((weak));

namespace zats::core {

// A normal (not forced) collect of this thread's heap: frees its empty pages and runs the
// decommits mimalloc had delayed; it walks only this thread's heap and takes no lock.
void release_thread_heap() {
  if (mi_collect != nullptr) mi_collect(false);
}

}  // namespace zats::core
