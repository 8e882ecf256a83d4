// SublistEntry: the subscriptions registered on one exact subject (literal or wildcard pattern)
// inside a Sublist. Plain subscriptions and queue subscriptions (grouped by queue name) are kept
// in hash sets so that insert and remove stay O(1) however many subscribers share a subject.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "server/sublist_string_map.h"
#include "server/subscription.h"

namespace zats::server {

struct SublistEntry {
  using Members = absl::flat_hash_set<Subscription*>;

  Members plain;
  StringMap<Members> queues;  // queue name -> members

  // Returns false when sub was already there.
  bool add(Subscription* sub) {
    if (sub->queue.empty()) return plain.insert(sub).second;
    return queues[sub->queue].insert(sub).second;
  }

  // Returns false when sub was not there. A queue group left without members is dropped, so an
  // empty entry really holds nothing.
  bool erase(Subscription* sub) {
    if (sub->queue.empty()) return plain.erase(sub) != 0;
    auto group = queues.find(sub->queue);
    if (group == queues.end() || group->second.erase(sub) == 0) return false;
    if (group->second.empty()) queues.erase(group);
    return true;
  }

  bool empty() const { return plain.empty() && queues.empty(); }
};

}  // namespace zats::server
