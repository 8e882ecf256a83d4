// Sublist: one worker's local subscription index for one account. Literal subjects sit in a
// hash map; only wildcard subscriptions go into a token trie (separate children for '*' and
// '>'); queue subscriptions are grouped by queue name. match() returns plain subscribers and
// one member list per queue group, cached per literal subject in a bounded cache that any
// insert/remove invalidates (by generation). Single-threaded: owned by one worker.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/subscription.h"

namespace zats::server {

struct SublistResult {
  std::vector<Subscription*> plain;
  std::vector<std::vector<Subscription*>> queues;  // one entry per queue group, its members
  bool empty() const { return plain.empty() && queues.empty(); }
};

struct SublistStats {
  uint64_t inserts = 0;
  uint64_t removes = 0;
  uint64_t matches = 0;
  uint64_t cache_hits = 0;
  size_t cache_size = 0;
};

class Sublist {
 public:
  explicit Sublist(size_t cache_capacity = 4096);
  ~Sublist();
  Sublist(const Sublist&) = delete;
  Sublist& operator=(const Sublist&) = delete;

  // sub->subject must be a valid subject (proto::is_valid_subject); sub stays owned by caller.
  void insert(Subscription* sub);
  // Returns false when sub was not in the list.
  bool remove(Subscription* sub);
  // The result is valid until the next insert() or remove(); callers that may remove while
  // delivering collect removals and apply them afterwards.
  const SublistResult& match(std::string_view subject);

  size_t count() const;
  uint64_t generation() const;
  SublistStats stats() const;
  // All subscriptions (for monitoring / route interest), in no particular order.
  void collect(std::vector<Subscription*>& out) const;

 private:
  // Implementation-defined.
};

}  // namespace zats::server
