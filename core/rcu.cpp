// RCU wrapper over liburcu-qsbr (see rcu.h). The only place outside data structures that
// includes liburcu, so its macro names (rcu_read_lock, call_rcu, ...) stay out of our headers.
#include "core/rcu.h"

#include <urcu-qsbr.h>

#include <cstddef>

namespace zats::core {
namespace {

static_assert(sizeof(rcu_head) <= sizeof(RcuHead::raw), "RcuHead::raw too small for rcu_head");
static_assert(alignof(rcu_head) <= alignof(RcuHead), "RcuHead under-aligned for rcu_head");

// TSan stand-in for a grace period: every thread "releases" here when it passes a quiescent
// state (or goes offline), and retire callbacks "acquire" here before freeing. That is the
// edge RCU provides: all reads a thread did before its quiescent state precede the free.
char g_grace_sync;
// And the edge rcu_barrier() provides: every callback that ran precedes the barrier's return.
char g_barrier_sync;

rcu_head* raw_head(RcuHead* head) { return reinterpret_cast<rcu_head*>(head->raw); }

RcuHead* from_raw(rcu_head* raw) {
  return reinterpret_cast<RcuHead*>(reinterpret_cast<unsigned char*>(raw) - offsetof(RcuHead, raw));
}

void trampoline(rcu_head* raw) {
  RcuHead* head = from_raw(raw);
  tsan_consume(&g_grace_sync);
  tsan_consume(head);
  head->fn(head);
  tsan_publish(&g_barrier_sync);
}

// Runs f with the calling thread offline if it was online, restoring its state after.
template <class F>
void offline_while(F&& f) {
  const bool online = rcu_is_online();
  if (online) rcu_offline();
  f();
  if (online) rcu_online();
}

}  // namespace

RcuThread::RcuThread() { urcu_qsbr_register_thread(); }

RcuThread::~RcuThread() {
  tsan_publish(&g_grace_sync);
  urcu_qsbr_unregister_thread();
}

void rcu_quiescent() {
  tsan_publish(&g_grace_sync);
  urcu_qsbr_quiescent_state();
}

void rcu_offline() {
  tsan_publish(&g_grace_sync);
  urcu_qsbr_thread_offline();
}

void rcu_online() { urcu_qsbr_thread_online(); }

// For QSBR "read ongoing" means "registered and online".
bool rcu_is_online() { return urcu_qsbr_read_ongoing() != 0; }

void rcu_call(RcuHead* head, void (*fn)(RcuHead*)) {
  head->fn = fn;
  tsan_publish(head);
  urcu_qsbr_call_rcu(raw_head(head), trampoline);
}

void rcu_synchronize() {
  offline_while([] { urcu_qsbr_synchronize_rcu(); });
  tsan_consume(&g_grace_sync);
}

// liburcu refuses rcu_barrier() from an online QSBR thread (it counts as a read section).
void rcu_barrier_wait() {
  offline_while([] { urcu_qsbr_barrier(); });
  tsan_consume(&g_barrier_sync);
}

}  // namespace zats::core
