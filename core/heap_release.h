// release_thread_heap: hands the calling thread's freed heap memory back to the system.
//
// zats links mimalloc (meson option `mimalloc`), whose per-thread heaps decommit freed pages
// only when the thread next allocates or frees: a worker that went quiet after a burst would
// keep that memory resident for good. Workers call this once a second, with `quiet` when they
// had next to no traffic since the last call (then the cached segments go too). Without
// mimalloc (the sanitizer builds) it does nothing.
#pragma once

namespace zats::core {

void release_thread_heap(bool quiet);

}  // namespace zats::core
