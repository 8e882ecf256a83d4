// TimerWheel: the non-template parts (construction, schedule, cancel).
#include "core/timer_wheel.h"

namespace zats::core {

TimerWheel::TimerWheel(uint64_t resolution_ns, uint32_t slots, uint64_t start_ns)
    : resolution_(resolution_ns == 0 ? 1 : resolution_ns),
      buckets_(slots == 0 ? 1 : slots),
      current_tick_(start_ns / resolution_) {}

TimerWheel::TimerId TimerWheel::schedule(uint64_t deadline_ns, uint64_t cookie) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[index];
  e.deadline = deadline_ns;
  e.cookie = cookie;
  e.live = true;
  ++live_;
  // A deadline already past lands in the current bucket and fires at the next advance.
  uint64_t tick = deadline_ns / resolution_;
  if (tick < current_tick_) tick = current_tick_;
  buckets_[tick % buckets_.size()].push_back(Ref{index, e.gen});
  return make_id(index, e.gen);
}

void TimerWheel::cancel(TimerId id) {
  if (id == 0) return;
  const uint64_t index = (id & 0xffffffffu) - 1;
  const uint32_t gen = static_cast<uint32_t>(id >> 32);
  if (index >= entries_.size()) return;
  if (live_entry(Ref{uint32_t(index), gen}) != nullptr) retire(uint32_t(index));
}

void TimerWheel::retire(uint32_t index) {
  Entry& e = entries_[index];
  e.live = false;
  e.gen = e.gen + 1 == 0 ? 1 : e.gen + 1;
  free_.push_back(index);
  --live_;
}

size_t TimerWheel::size() const { return live_; }

}  // namespace zats::core
