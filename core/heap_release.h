// The process heap and the system: how freed memory goes back to it.
//
// zats links mimalloc (meson option `mimalloc`). Two of its habits would keep a quiet server's
// memory resident for good after a burst:
// - its per-thread heaps free their empty pages and segments only when the thread next
//   allocates or frees: workers call release_thread_heap once a second, with `quiet` when they
//   had next to no traffic since the last call (then the cached segments go too);
// - a freed block of up to 16 MiB (a send buffer after a burst) stays committed until its
//   segment next hands out a page, which a quiet worker never asks for: buffers that large go
//   through release_buffer, which drops their pages before freeing them.
// Without mimalloc (the sanitizer builds) release_thread_heap does nothing and release_buffer
// only frees.
#pragma once

#include <string>

namespace zats::core {

void release_thread_heap(bool quiet);

// Frees `buffer` (leaving it empty, with no capacity), its memory back to the system at once.
void release_buffer(std::string& buffer);

}  // namespace zats::core
