// InterestChangeLog: the subscription subjects of the most recent changes of one InterestIndex,
// each stamped with the generation the change produced. A worker's InterestCache replays what
// it has not seen yet and drops only the cached results those subjects can match (as
// nats-server's sublist does with its cache), so a SUB or UNSUB on one subject leaves every
// other cached result in place.
//
// One writer at a time (the index's writer lock); any number of lock-free readers, each an
// online RCU thread. The log keeps the last kCapacity changes: a reader that fell further
// behind is told so and must assume that everything changed.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/rcu.h"

namespace zats::server {

class InterestChangeLog {
 public:
  static constexpr size_t kCapacity = 1024;

  InterestChangeLog() = default;
  // Only once no reader can reach the log any more.
  ~InterestChangeLog();
  InterestChangeLog(const InterestChangeLog&) = delete;
  InterestChangeLog& operator=(const InterestChangeLog&) = delete;

  // Writer: `subject` (a subscription subject, `wildcard` when it has a '*' or '>' token)
  // changed, producing `generation`, which is one above the previous record's. Call before
  // publishing the new generation, so a reader that sees it finds the record.
  void record(uint64_t generation, std::string_view subject, bool wildcard);

  // Reader: calls each(subject, wildcard) for every change with a generation in
  // (after, upto], oldest first. False when some were overwritten already (or never
  // recorded): the caller must then treat everything as changed.
  template <class Each>
  bool replay(uint64_t after, uint64_t upto, Each&& each) const;

 private:
  struct Change : core::RcuRetirable {
    std::string subject;
    bool wildcard = false;
  };
  // A seqlock of one entry: `stamp` is the generation of `change`, 0 while it is rewritten.
  struct Entry {
    std::atomic<uint64_t> stamp{0};
    std::atomic<const Change*> change{nullptr};
  };
  const Change* read(uint64_t generation) const;

  std::array<Entry, kCapacity> entries_;
};

template <class Each>
bool InterestChangeLog::replay(uint64_t after, uint64_t upto, Each&& each) const {
  if (upto < after || upto - after > kCapacity) return false;
  for (uint64_t g = after + 1; g <= upto; ++g) {
    const Change* change = read(g);
    if (change == nullptr) return false;
    each(std::string_view(change->subject), change->wildcard);
  }
  return true;
}

}  // namespace zats::server
