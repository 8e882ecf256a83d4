// InterestChangeLog (see interest_change_log.h). Every access is sequentially consistent: the
// writer is off the hot path, and a reader only runs after the generation moved.
#include "server/interest_change_log.h"

namespace zats::server {

InterestChangeLog::~InterestChangeLog() {
  for (Entry& e : entries_) delete e.change.load(std::memory_order_relaxed);
}

// A reader may still hold the replaced change: it is freed after a grace period.
void InterestChangeLog::record(uint64_t generation, std::string_view subject, bool wildcard) {
  auto* change = new Change;
  change->subject.assign(subject);
  change->wildcard = wildcard;
  Entry& e = entries_[generation % kCapacity];
  e.stamp.store(0);
  const Change* old = e.change.exchange(change);
  e.stamp.store(generation);
  if (old != nullptr) core::rcu_retire(const_cast<Change*>(old));
}

// The change read between two equal stamps is the one that stamp names: a rewrite in between
// would have cleared the stamp first.
const InterestChangeLog::Change* InterestChangeLog::read(uint64_t generation) const {
  const Entry& e = entries_[generation % kCapacity];
  if (e.stamp.load() != generation) return nullptr;
  const Change* change = e.change.load();
  if (e.stamp.load() != generation) return nullptr;
  return change;
}

}  // namespace zats::server
