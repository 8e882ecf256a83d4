// Sublist: one worker's local subscription index for one account. Literal subjects sit in a
// hash map; only wildcard subscriptions go into a token trie (separate children for '*' and
// '>'); queue subscriptions are grouped by queue name. match() returns plain subscribers and
// one member list per queue group, cached per literal subject in a bounded cache; an insert or
// remove marks stale only the cached results its subject matches (a SUB on a.b leaves x.y
// cached). Single-threaded: owned by one worker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/last_match.h"
#include "server/sublist_entry.h"
#include "server/sublist_string_map.h"
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
  // delivering collect removals and apply them afterwards. A later match() of another subject
  // may evict it from the bounded cache, so do not hold it across match() calls either.
  // Published '*'/'>' tokens are matched as plain tokens (as nats-server does): `foo.*` reaches
  // subscribers on `foo.*`, `foo.>`, `>` but not on `foo.bar`. An empty token matches nothing.
  const SublistResult& match(std::string_view subject);

  size_t count() const;
  // Bumped by every insert/remove that changed something (inline: read on every publish).
  uint64_t generation() const { return generation_; }
  SublistStats stats() const;
  // All subscriptions (for monitoring / route interest), in no particular order.
  void collect(std::vector<Subscription*>& out) const;
  // Literal-map entries plus trie nodes below the root: 0 once every subscription is removed,
  // since removal prunes whatever it leaves empty. Walks the trie; not for the hot path.
  size_t entry_count() const;

 private:
  struct Node;       // one level of the wildcard trie
  struct CacheSlot;  // a cached result and whether it is still valid

  bool tokenize(std::string_view subject);
  void compute(std::string_view subject, SublistResult& out);
  void match_level(const Node* node, size_t token, SublistResult& out);
  void append(const SublistEntry& entry, SublistResult& out);
  CacheSlot& cache_slot_for(std::string_view subject);
  void changed(std::string_view subject, bool wildcard);
  void evict_some();
  void insert_wildcard(Subscription* sub);
  bool remove_wildcard(Subscription* sub);
  static void collect_node(const Node& node, std::vector<Subscription*>& out);
  static size_t count_nodes(const Node& node);

  // Subscriptions on subjects without wildcard tokens: one hash lookup per publish.
  StringMap<SublistEntry> literals_;
  std::unique_ptr<Node> root_;  // subscriptions with a '*' or '>' token
  // Literal subject -> result. A stale slot is recomputed in place on its next lookup; a literal
  // insert/remove marks one slot stale in O(1), a wildcard one scans the cache.
  StringMap<std::unique_ptr<CacheSlot>> cache_;
  // The last subject matched and its slot: forgotten when slots are evicted (a stale slot stays
  // where it is, and is recomputed in place).
  LastMatch<CacheSlot> last_;
  size_t cache_capacity_;
  size_t count_ = 0;
  uint64_t generation_ = 0;
  SublistStats stats_;

  // Scratch reused by every cache miss, so a miss allocates only what the result itself needs.
  std::vector<std::string_view> tokens_;
  StringKeyedMap<std::string_view, size_t> group_index_;  // queue name -> index in queues
  SublistResult uncached_;    // the result when the cache capacity is 0
  const SublistResult empty_;  // the result for an invalid subject
};

}  // namespace zats::server
