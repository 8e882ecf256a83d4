// mimalloc is found at link time, not compile time: the same core library serves zats (linked
// with mimalloc) and the tests and sanitizer builds (libc malloc), so mi_collect is a weak
// reference that is null where mimalloc is absent.
#include "core/heap_release.h"

extern "C" void mi_collect(bool force) __attribute__((weak));

namespace zats::core {

// A collect of this thread's heap only, taking no lock: a normal one frees its empty pages and
// runs the decommits mimalloc had delayed; a forced one also returns the segments it keeps
// cached for reuse (the large buffers of a burst), which a busy thread would soon want again.
void release_thread_heap(bool quiet) {
  if (mi_collect != nullptr) mi_collect(quiet);
}

}  // namespace zats::core
