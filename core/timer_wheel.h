// TimerWheel: coarse per-connection deadlines (ping interval, auth timeout, write deadline)
// driven by the reactor's tick. Scheduling and cancelling are O(1); an expiry is reported
// at the first tick at or after its deadline. Cancelled entries are dropped lazily.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace zats::core {

class TimerWheel {
 public:
  using TimerId = uint64_t;  // 0 is never a valid id
  // resolution_ns: width of one slot; slots: number of slots (deadlines further away wrap
  // around and are kept until their round comes).
  TimerWheel(uint64_t resolution_ns, uint32_t slots, uint64_t start_ns);

  TimerId schedule(uint64_t deadline_ns, uint64_t cookie);
  void cancel(TimerId id);
  // Calls fire(cookie) for every timer due at now_ns (in deadline order within a slot is not
  // promised). fire may schedule or cancel timers.
  template <class F>
  void advance(uint64_t now_ns, F&& fire);
  size_t size() const;

 private:
  // A timer lives in `entries_` (reused through a free list); a bucket holds (index, gen)
  // references, so cancel only bumps the entry's generation and the stale reference is
  // dropped when its bucket is next visited.
  struct Entry {
    uint64_t deadline = 0;
    uint64_t cookie = 0;
    uint32_t gen = 1;
    bool live = false;
  };
  struct Ref {
    uint32_t index;
    uint32_t gen;
  };

  static TimerId make_id(uint32_t index, uint32_t gen) {
    return (uint64_t{gen} << 32) | (uint64_t{index} + 1);
  }
  Entry* live_entry(Ref ref) {
    Entry& e = entries_[ref.index];
    return e.live && e.gen == ref.gen ? &e : nullptr;
  }
  void retire(uint32_t index);
  // Fires or keeps every reference in one bucket.
  template <class F>
  void visit_bucket(size_t bucket, uint64_t now_ns, F& fire);

  uint64_t resolution_;
  std::vector<std::vector<Ref>> buckets_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  std::vector<Ref> scratch_;  // reused by advance(), so firing allocates nothing
  uint64_t current_tick_;     // the tick of the last advance: its bucket may still hold timers
  size_t live_ = 0;
};

template <class F>
void TimerWheel::visit_bucket(size_t bucket, uint64_t now_ns, F& fire) {
  // Take the bucket out: fire() may schedule into this very bucket.
  scratch_.clear();
  std::swap(scratch_, buckets_[bucket]);
  std::vector<Ref> refs = std::move(scratch_);
  for (size_t i = 0; i < refs.size(); ++i) {
    Entry* e = live_entry(refs[i]);
    if (e == nullptr) continue;  // cancelled: dropped here
    if (e->deadline > now_ns) {
      buckets_[bucket].push_back(refs[i]);  // a later round
      continue;
    }
    const uint64_t cookie = e->cookie;
    retire(refs[i].index);
    fire(cookie);
  }
  refs.clear();
  scratch_ = std::move(refs);  // keep the capacity for the next visit
}

template <class F>
void TimerWheel::advance(uint64_t now_ns, F&& fire) {
  const uint64_t target = now_ns / resolution_;
  if (target < current_tick_) return;
  // A jump longer than a whole turn visits each bucket once.
  const uint64_t steps = target - current_tick_ + 1;
  const uint64_t visits = steps < buckets_.size() ? steps : buckets_.size();
  const uint64_t first = target + 1 - visits;
  current_tick_ = target;
  for (uint64_t t = first; t <= target; ++t) visit_bucket(size_t(t % buckets_.size()), now_ns, fire);
}

}  // namespace zats::core
