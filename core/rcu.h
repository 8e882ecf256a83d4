// RCU for a thread-per-core loop: a thin wrapper over liburcu's QSBR flavour. Readers pay
// nothing per read; each registered thread announces a quiescent state once per loop turn,
// and memory retired by a writer is freed only after every registered online thread has
// announced one (a grace period).
//
// Rules for readers (every worker thread):
//  - Register once (RcuThread) before touching any RCU-protected structure.
//  - Call rcu_quiescent() once per loop turn, at a point where it holds no RCU-protected
//    pointer: anything read from an RCU structure is valid only until the thread's next
//    quiescent state (or rcu_offline()), so never keep such a pointer across loop turns —
//    copy what must survive.
//  - Go offline (rcu_offline() / RcuOffline) around any blocking wait in the kernel, so a
//    sleeping worker does not stall grace periods; an offline thread must not read.
// Rules for writers: serialize among themselves (the structure's own mutex), publish with
// release stores, and retire what readers may still see with rcu_retire()/rcu_call().
// rcu_synchronize()/rcu_barrier_wait() go offline while they wait, which ends the caller's
// read section: hold no RCU-protected pointer across them.
#pragma once

#include <type_traits>

#if defined(__SANITIZE_THREAD__)
#define ZATS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZATS_TSAN 1
#endif
#endif
#ifndef ZATS_TSAN
#define ZATS_TSAN 0
#endif
#if ZATS_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace zats::core {

// Registers the calling thread as a QSBR reader for its lifetime (online on return).
class RcuThread {
 public:
  RcuThread();
  ~RcuThread();
  RcuThread(const RcuThread&) = delete;
  RcuThread& operator=(const RcuThread&) = delete;
};

// Once per loop turn: "I hold no RCU-protected pointer now".
void rcu_quiescent();
// Around blocking sleeps; an offline thread does not hold up grace periods.
void rcu_offline();
void rcu_online();
bool rcu_is_online();  // registered and online

class RcuOffline {
 public:
  RcuOffline() { rcu_offline(); }
  ~RcuOffline() { rcu_online(); }
  RcuOffline(const RcuOffline&) = delete;
  RcuOffline& operator=(const RcuOffline&) = delete;
};

// Marks a read-side section. QSBR needs no instructions here; the scope documents where
// RCU-protected pointers are live (and must end before the next rcu_quiescent()).
class RcuReadSection {
 public:
  RcuReadSection() = default;
  RcuReadSection(const RcuReadSection&) = delete;
  RcuReadSection& operator=(const RcuReadSection&) = delete;
};

// Embedded in an object to retire it without allocating. Opaque storage for liburcu's
// struct rcu_head plus the callback to run (size checked in rcu.cpp).
struct RcuHead {
  alignas(void*) unsigned char raw[2 * sizeof(void*)];
  void (*fn)(RcuHead*);
};

// Runs fn(head) on liburcu's call_rcu thread after a grace period. The caller must be a
// registered, online thread. fn must not block for long or take the caller's locks in an
// order that could deadlock with rcu_barrier_wait().
void rcu_call(RcuHead* head, void (*fn)(RcuHead*));

// Objects retired with rcu_retire() derive from RcuRetirable (first base, non-virtual use).
struct RcuRetirable {
  RcuHead rcu_head;
};

template <class T>
void rcu_retire(T* p) {
  static_assert(std::is_base_of_v<RcuRetirable, T>, "rcu_retire needs an RcuRetirable");
  rcu_call(&static_cast<RcuRetirable*>(p)->rcu_head, [](RcuHead* h) {
    delete static_cast<T*>(reinterpret_cast<RcuRetirable*>(h));
  });
}

// Blocks until a grace period has elapsed (goes offline meanwhile if the caller is online).
void rcu_synchronize();
// Blocks until every rcu_call() issued before it has run (offline meanwhile, as above).
void rcu_barrier_wait();

// ThreadSanitizer cannot see liburcu's own synchronization (it lives in an uninstrumented
// library). These annotations state the happens-before edges that RCU guarantees; they
// compile to nothing outside TSan builds.
// tsan_publish: before making addr reachable through liburcu; tsan_consume: after reaching it.
#if ZATS_TSAN
inline void tsan_publish(const void* addr) { __tsan_release(const_cast<void*>(addr)); }
inline void tsan_consume(const void* addr) { __tsan_acquire(const_cast<void*>(addr)); }
#else
inline void tsan_publish(const void*) {}
inline void tsan_consume(const void*) {}
#endif

}  // namespace zats::core
