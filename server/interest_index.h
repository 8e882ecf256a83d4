// InterestIndex: which destinations have subscribers for which subjects, for ONE account (each
// account owns its own index; accounts never share subject space). A destination is a worker
// of this server or a remote destination: another server reached through a route, whose
// interest (RS+) is recorded here like a worker's. Shared by all workers:
// match() runs on every publish with no lock and no shared write (RCU read side, QSBR);
// add()/remove() run on a worker's thread on SUB/UNSUB, serialized by a writer mutex that
// readers never touch, and replace only the small immutable record they change.
//
// Layout: literal subjects live in a lock-free hash table (liburcu cds_lfht) keyed by the whole
// subject; wildcard subjects live in a token trie whose literal edges are one more cds_lfht
// keyed by (parent node, token), while '*' children and '>' tails hang off their node. No
// update ever copies a whole level, however many children it has. The two tables grow and
// shrink with their entry counts, resized off the workers (core::LfhtTable).
//
// Visibility: every change is published with release stores (or cds_lfht_add, which is fully
// fenced), then generation() is bumped with a seq_cst read-modify-write before add()/remove()
// returns; that RMW is a full fence, so the change is globally visible when the call returns,
// and a match() that starts afterwards on any thread — or a cache that sees the new
// generation (acquire) — observes it.
//
// Threads: every caller (reader or writer) must be a registered, online RCU thread
// (core::RcuThread). Anything match() reads is protected only until the caller's next
// rcu_quiescent(); results are copied out, so an InterestResult itself may be kept.
//
// Local interest: what this server's own workers want, summed over them, is what a route
// announces to its peer (RS+ subject, or RS+ subject queue <members>). Listeners registered
// with watch_local() hear every change of it, in order, under the writer lock; visit_local()
// walks all of it without the lock (a route coming up: register first, then walk, then apply
// what the listener heard meanwhile: every key ends in its current state).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/inlined_vector.h>

#include "core/lfht_table.h"
#include "server/interest_change_log.h"
#include "server/last_match.h"
#include "server/sublist_string_map.h"

namespace zats::server {

namespace interest_detail {
struct Record;   // immutable: plain worker mask + queue weights of one subject
struct Slot;     // one record pointer plus writer-only plain counts
struct Literal;  // a literal subject's hash-table entry
struct Node;     // a wildcard-trie node
}  // namespace interest_detail

// Destination ids: workers are 0..63, remote destinations (routes) 64..127.
inline constexpr unsigned kMaxInterestWorkers = 64;
inline constexpr unsigned kMaxRemotes = 64;
inline constexpr unsigned kRemoteBase = kMaxInterestWorkers;  // the destination id of remote 0
using WorkerMask = uint64_t;
using RemoteMask = uint64_t;  // bit r: destination kRemoteBase + r

inline bool is_remote(uint32_t destination) { return destination >= kRemoteBase; }

struct DestinationWeight {
  uint32_t destination = 0;
  uint32_t members = 0;  // queue members of the group there (a route's: the weight its peer sent)
};

struct QueueInterest {
  std::string name;
  absl::InlinedVector<DestinationWeight, 4> weights;  // one per destination with members (members > 0)
  uint32_t total = 0;                                 // sum of members
};

struct InterestResult {
  WorkerMask plain = 0;               // workers with at least one plain subscriber
  RemoteMask remotes = 0;             // remote destinations with plain interest
  std::vector<QueueInterest> queues;  // one per group name, merged over every matching entry
  bool empty() const { return plain == 0 && remotes == 0 && queues.empty(); }
  void clear() {
    plain = 0;
    remotes = 0;
    queues.clear();
  }
};

// The destination that gets this message for group q, with probability members / total, so
// each member cluster-wide is equally likely. `random` must be uniform over 64 bits; q.total > 0.
uint32_t pick_queue_destination(const QueueInterest& q, uint64_t random);

// Hears changes of the local interest (see above) of one index.
class LocalInterestListener {
 public:
  virtual ~LocalInterestListener() = default;
  // Called under the index's writer lock, in the order the changes happen. For plain
  // interest (queue empty) weight is 1 when some local subscriber exists and 0 when the
  // last one went; for a queue group it is the number of local members (0: none left).
  virtual void local_interest_changed(std::string_view subject, std::string_view queue, uint32_t weight) = 0;
};

class InterestIndex {
 public:
  InterestIndex();
  // Only once no thread can reach the index any more; the caller must be a registered thread.
  ~InterestIndex();
  InterestIndex(const InterestIndex&) = delete;
  InterestIndex& operator=(const InterestIndex&) = delete;

  // Count-based: call on every SUB / UNSUB of a worker, or once per plain RS+ / RS- of a
  // remote destination. `subject` must be a valid subscription subject
  // (proto::is_valid_subject); an empty `queue` means a plain subscription. A plain add that
  // only raises a destination's existing count publishes nothing new.
  void add(unsigned destination, std::string_view subject, std::string_view queue = {});
  // False (and no change) when that destination has no such (subject, queue) subscription.
  bool remove(unsigned destination, std::string_view subject, std::string_view queue = {});
  // A remote destination's queue interest: RS+ with a weight sets it, 0 removes it.
  void set_queue_weight(unsigned destination, std::string_view subject, std::string_view queue, uint32_t weight);

  // Registers `listener` for every later change of the local interest.
  void watch_local(LocalInterestListener* listener);
  void unwatch_local(LocalInterestListener* listener);
  // Lock-free read (the caller is an online RCU thread for the whole walk): calls `each` for
  // every entry of the local interest. An entry changed during the walk may be seen in its
  // old or its new state (a watcher registered before the walk hears the change either way);
  // `stop` is polled between entries and ends the walk early when it says so.
  using LocalInterestVisitor = std::function<void(std::string_view subject, std::string_view queue, uint32_t weight)>;
  void visit_local(const LocalInterestVisitor& each, const std::function<bool()>& stop = {}) const;

  // Lock-free read. out is overwritten. Published '*'/'>' tokens match as plain tokens, as
  // in Sublist; a subject with an empty token matches nothing.
  void match(std::string_view subject, InterestResult& out) const;
  // Lock-free read: false when match() would find nothing because there is no wildcard interest
  // and no literal entry for `subject` (no result built; mostly not even a table lookup: see
  // literal_filter_).
  bool may_match(std::string_view subject) const;
  // Lock-free read, two loads: true when there is no wildcard interest and no literal entry in
  // the filter bucket of a subject whose StringViewHash is `subject_hash` (match() would surely
  // find nothing). False says nothing: ask may_match().
  bool surely_none(size_t subject_hash) const;

  // Bumped by every add/remove that changes what match() can return.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The subject behind each recent generation, for caches that drop only what changed.
  const InterestChangeLog& changes() const { return changes_; }

  // Literal entries plus trie nodes below the root; 0 once everything is removed (pruning).
  // Takes the writer lock; not for the hot path.
  size_t entry_count() const;

 private:
  using Record = interest_detail::Record;
  using Slot = interest_detail::Slot;
  using Literal = interest_detail::Literal;
  using Node = interest_detail::Node;

  Literal* find_literal(std::string_view subject) const;
  Node* find_child(const Node* parent, std::string_view token) const;
  Slot& literal_slot(std::string_view subject);
  Slot& wildcard_slot(std::string_view subject);
  Slot* find_wildcard_slot(std::string_view subject, Node** owner) const;
  Node* child_for_add(Node* parent, std::string_view token);
  Slot& slot_for_add(std::string_view subject);
  Slot* slot_for_change(std::string_view subject, Literal** literal, Node** owner) const;
  void prune(Literal* literal, Node* owner);
  void publish(Slot& slot, const Record* next);
  void changed(std::string_view subject);
  void tell_local(std::string_view subject, std::string_view queue, uint32_t weight);
  static void visit_slot(const Slot& slot, std::string_view subject, const LocalInterestVisitor& each);
  static std::string subject_of(const Node* node, bool tail);
  void prune_literal(Literal* lit);
  void count_literal(std::string_view subject, int delta);
  void prune_trie(Node* node);
  void match_trie(const Node* node, const std::string_view* tokens, size_t count,
                  size_t at, InterestResult& out) const;
  void collect_nodes(std::vector<Node*>& out) const;

  std::vector<LocalInterestListener*> listeners_;  // writer lock
  core::LfhtTable literals_;  // subject -> Literal
  core::LfhtTable edges_;     // (parent, token) -> Node
  Node* root_;
  mutable std::mutex writer_mutex_;
  size_t node_count_ = 0;     // writer-only; trie nodes below the root
  // Trie slots holding a record: lets match() skip the trie when no wildcard interest exists.
  alignas(128) std::atomic<uint32_t> wildcard_slots_{0};
  alignas(128) std::atomic<uint64_t> generation_{0};
  // Literal entries per bucket of their subject's hash (a counting filter, writer-maintained):
  // a subject whose bucket counts 0 has no literal entry, so a publish to one of many subjects
  // nobody wants costs one load here, not a walk of the shared table (with 1000 literal
  // entries about 6% of buckets are taken).
  static constexpr size_t kLiteralFilterSlots = size_t{1} << 14;
  std::unique_ptr<std::atomic<uint32_t>[]> literal_filter_;
  InterestChangeLog changes_;  // writer lock
};

// A worker's bounded match cache for one InterestIndex: literal subject -> result. When the
// index generation moves, the cache replays the index's change log and drops only the results
// a changed subject can match (a literal: its own entry; a wildcard: the entries it matches);
// one that fell further behind than the log reaches starts over. Worker-local, not
// thread-safe. Every result — including no interest — counts against the same bound
// (nats-server #4341: no-interest publishes to ever-new subjects must not grow a cache
// without limit).
class InterestCache {
 public:
  explicit InterestCache(const InterestIndex& index, size_t capacity = 4096);

  // Valid until the next match() on this cache.
  const InterestResult& match(std::string_view subject);
  // The index's generation now (InterestIndex::generation).
  uint64_t index_generation() const { return index_.generation(); }

  size_t size() const { return slots_.size(); }
  size_t capacity() const { return capacity_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t dropped() const { return dropped_; }  // results dropped because their interest changed
  uint64_t resets() const { return resets_; }    // times the whole cache was dropped (log overrun)

 private:
  void catch_up(uint64_t generation);
  void forget(std::string_view subject, bool wildcard);
  void evict_some();

  const InterestIndex& index_;
  size_t capacity_;
  StringMap<InterestResult> slots_;
  // The last subject found in slots_ and its result: forgotten whenever slots_ changes.
  LastMatch<const InterestResult> last_;
  uint64_t seen_ = 0;  // every cached result reflects the index at least as of this generation
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t dropped_ = 0;
  uint64_t resets_ = 0;
  const InterestResult none_;
};

}  // namespace zats::server
