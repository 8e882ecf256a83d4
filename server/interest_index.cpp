// InterestIndex (see interest_index.h). Readers follow atomic pointers and cds_lfht lookups
// only; writers hold writer_mutex_, build a new immutable Record, swap it in with a release
// store and retire the old one through RCU, so a reader never sees a half-built record.
#include "server/interest_index.h"

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <absl/hash/hash.h>
#include <absl/strings/string_view.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "core/rcu.h"
#include "proto/subject.h"

namespace zats::server {
namespace interest_detail {

// What a hash-table entry is keyed by: (nullptr, subject) for literals, (parent, token) for
// trie edges. `text` views the owner's own string, which never moves.
struct LinkKey {
  const void* parent = nullptr;
  std::string_view text;
};

// cds_lfht stores bare nodes; this standard-layout wrapper leads back to the owner.
struct HashLink {
  cds_lfht_node node;
  void* owner = nullptr;
  LinkKey key;
};

struct Record : core::RcuRetirable {
  WorkerMask plain = 0;
  RemoteMask remotes = 0;
  std::vector<QueueInterest> queues;
  bool empty() const { return plain == 0 && remotes == 0 && queues.empty(); }
};

struct Slot {
  std::atomic<const Record*> rec{nullptr};
  absl::InlinedVector<DestinationWeight, 2> plain_counts;  // writer only: (destination, subscriptions)
  bool in_trie = false;
  bool empty() const { return rec.load(std::memory_order_relaxed) == nullptr; }
};

struct Literal : core::RcuRetirable {
  HashLink link;
  std::string subject;
  Slot slot;
};

struct Node : core::RcuRetirable {
  HashLink link;            // edge from parent; unused for the root and '*' children
  Node* parent = nullptr;
  std::string token;        // "*" for a star child
  Slot here;                // subjects ending at this node
  Slot tail;                // subjects ending in '>' right below this node
  std::atomic<Node*> star{nullptr};
  uint32_t literal_children = 0;  // writer only
  Node() { here.in_trie = tail.in_trie = true; }
  bool empty() const {
    return here.empty() && tail.empty() && literal_children == 0 &&
           star.load(std::memory_order_relaxed) == nullptr;
  }
};

}  // namespace interest_detail

namespace {

using interest_detail::HashLink;
using interest_detail::LinkKey;
using interest_detail::Record;
using interest_detail::Slot;

using proto::kAnyToken;
using proto::kTrailingTokens;

using Tokens = absl::InlinedVector<std::string_view, 16>;

bool has_wildcard_token(std::string_view subject) {
  return subject.find_first_of("*>") != std::string_view::npos && !proto::is_literal(subject);
}

unsigned long hash_key(const LinkKey& key) {
  const absl::string_view text(key.text.data(), key.text.size());  // Debian's absl has its own
  return absl::Hash<std::pair<const void*, absl::string_view>>{}({key.parent, text});
}

int key_matches(cds_lfht_node* node, const void* key) {
  core::tsan_consume(node);
  const LinkKey& have = reinterpret_cast<const HashLink*>(node)->key;
  const LinkKey& want = *static_cast<const LinkKey*>(key);
  return have.parent == want.parent && have.text == want.text;
}

// The owner of the entry keyed by `key`, or nullptr.
void* lookup(cds_lfht* table, const LinkKey& key) {
  cds_lfht_iter iter;
  cds_lfht_lookup(table, hash_key(key), key_matches, &key, &iter);
  cds_lfht_node* node = cds_lfht_iter_get_node(&iter);
  if (node == nullptr) return nullptr;
  core::tsan_consume(node);
  return reinterpret_cast<HashLink*>(node)->owner;
}

void insert(cds_lfht* table, HashLink& link, void* owner, LinkKey key) {
  link.owner = owner;
  link.key = key;
  cds_lfht_node_init(&link.node);
  core::tsan_publish(&link.node);
  cds_lfht_add(table, hash_key(key), &link.node);
}

// --- records: a writer copies, edits and seals; readers only merge ---

Record* copy_of(const Record* old) {
  auto* r = new Record;
  if (old != nullptr) {
    r->plain = old->plain;
    r->remotes = old->remotes;
    r->queues = old->queues;
  }
  return r;
}

// An empty record is published as "no record", so an empty slot is simply a null pointer.
const Record* sealed(Record* r) {
  if (!r->empty()) return r;
  delete r;
  return nullptr;
}

QueueInterest* find_group(Record& r, std::string_view name) {
  auto group = std::find_if(r.queues.begin(), r.queues.end(), [&](const QueueInterest& q) { return q.name == name; });
  return group == r.queues.end() ? nullptr : &*group;
}

DestinationWeight* find_weight(QueueInterest& group, uint32_t destination) {
  auto weight = std::find_if(group.weights.begin(), group.weights.end(),
                             [&](const DestinationWeight& w) { return w.destination == destination; });
  return weight == group.weights.end() ? nullptr : &*weight;
}

// Sets the members of `name` at `destination`; 0 removes them (and the group when empty).
void set_members(Record& r, std::string_view name, uint32_t destination, uint32_t members) {
  QueueInterest* group = find_group(r, name);
  if (group == nullptr) {
    if (members == 0) return;
    r.queues.push_back(QueueInterest{std::string(name), {DestinationWeight{destination, members}}, members});
    return;
  }
  DestinationWeight* weight = find_weight(*group, destination);
  const uint32_t before = weight != nullptr ? weight->members : 0;
  group->total = group->total - before + members;
  if (weight == nullptr) {
    if (members > 0) group->weights.push_back(DestinationWeight{destination, members});
  } else if (members > 0) {
    weight->members = members;
  } else {
    group->weights.erase(group->weights.begin() + (weight - group->weights.data()));
  }
  if (group->weights.empty()) r.queues.erase(r.queues.begin() + (group - r.queues.data()));
}

uint32_t members_at(const Record* r, std::string_view name, uint32_t destination) {
  if (r == nullptr) return 0;
  for (const QueueInterest& q : r->queues) {
    if (q.name != name) continue;
    for (const DestinationWeight& w : q.weights)
      if (w.destination == destination) return w.members;
  }
  return 0;
}

// This server's own members of a group: the sum over its workers.
uint32_t local_members(const QueueInterest& q) {
  uint32_t n = 0;
  for (const DestinationWeight& w : q.weights) n += is_remote(w.destination) ? 0 : w.members;
  return n;
}

uint32_t local_members(const Record* r, std::string_view name) {
  if (r == nullptr) return 0;
  for (const QueueInterest& q : r->queues)
    if (q.name == name) return local_members(q);
  return 0;
}

// Plain counts: true when the destination's count went 0 -> 1 (its mask bit must be set).
bool count_plain_add(Slot& slot, uint32_t destination) {
  for (auto& c : slot.plain_counts) {
    if (c.destination == destination) return ++c.members, false;
  }
  slot.plain_counts.push_back(DestinationWeight{destination, 1});
  return true;
}

enum class PlainRemoval { kMissing, kCounted, kLastOne };

PlainRemoval count_plain_remove(Slot& slot, uint32_t destination) {
  for (auto it = slot.plain_counts.begin(); it != slot.plain_counts.end(); ++it) {
    if (it->destination != destination) continue;
    if (--it->members > 0) return PlainRemoval::kCounted;
    slot.plain_counts.erase(it);
    return PlainRemoval::kLastOne;
  }
  return PlainRemoval::kMissing;
}

bool has_local_plain(const Slot& slot) {
  return std::any_of(slot.plain_counts.begin(), slot.plain_counts.end(),
                     [](const DestinationWeight& c) { return !is_remote(c.destination); });
}

// The record with `destination`'s plain bit set or cleared.
const Record* with_plain_bit(const Record* old, uint32_t destination, bool on) {
  Record* r = copy_of(old);
  if (is_remote(destination)) {
    const RemoteMask bit = RemoteMask{1} << (destination - kRemoteBase);
    r->remotes = on ? (r->remotes | bit) : (r->remotes & ~bit);
  } else {
    const WorkerMask bit = WorkerMask{1} << destination;
    r->plain = on ? (r->plain | bit) : (r->plain & ~bit);
  }
  return sealed(r);
}

// --- reader side ---

void merge_queue(const QueueInterest& q, InterestResult& out) {
  auto group = std::find_if(out.queues.begin(), out.queues.end(),
                            [&](const QueueInterest& g) { return g.name == q.name; });
  if (group == out.queues.end()) {
    out.queues.push_back(q);
    return;
  }
  for (const DestinationWeight& w : q.weights) {
    auto have = std::find_if(group->weights.begin(), group->weights.end(),
                             [&](const DestinationWeight& h) { return h.destination == w.destination; });
    if (have == group->weights.end()) {
      group->weights.push_back(w);
    } else {
      have->members += w.members;
    }
  }
  group->total += q.total;
}

void merge(const Slot& slot, InterestResult& out) {
  const Record* r = slot.rec.load(std::memory_order_acquire);
  if (r == nullptr) return;
  out.plain |= r->plain;
  out.remotes |= r->remotes;
  for (const QueueInterest& q : r->queues) merge_queue(q, out);
}

}  // namespace

uint32_t pick_queue_destination(const QueueInterest& q, uint64_t random) {
  uint64_t r = random % q.total;  // bias is below 2^-32 for any realistic member count
  for (const DestinationWeight& w : q.weights) {
    if (r < w.members) return w.destination;
    r -= w.members;
  }
  return q.weights.back().destination;  // unreachable while total == sum of members
}

// --- InterestIndex ---

InterestIndex::InterestIndex()
    : root_(new Node), literal_filter_(std::make_unique<std::atomic<uint32_t>[]>(kLiteralFilterSlots)) {}

InterestIndex::~InterestIndex() {
  // Nothing else reaches the index now but a resize of its tables: once none runs, everything
  // can be freed at once.
  literals_.stop_resizing();
  edges_.stop_resizing();
  std::vector<Literal*> literals;
  cds_lfht_iter iter;
  for (cds_lfht_first(literals_.get(), &iter); cds_lfht_iter_get_node(&iter) != nullptr;
       cds_lfht_next(literals_.get(), &iter)) {
    literals.push_back(static_cast<Literal*>(
        reinterpret_cast<HashLink*>(cds_lfht_iter_get_node(&iter))->owner));
  }
  std::vector<Node*> nodes;
  collect_nodes(nodes);
  for (Literal* lit : literals) {
    cds_lfht_del(literals_.get(), &lit->link.node);
    delete lit->slot.rec.load(std::memory_order_relaxed);
    delete lit;
  }
  for (Node* node : nodes) {
    if (node != root_ && node->token != kAnyToken) cds_lfht_del(edges_.get(), &node->link.node);
    delete node->here.rec.load(std::memory_order_relaxed);
    delete node->tail.rec.load(std::memory_order_relaxed);
    delete node;
  }
}

void InterestIndex::add(unsigned destination, std::string_view subject, std::string_view queue) {
  assert(destination < kRemoteBase + kMaxRemotes);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Slot& slot = slot_for_add(subject);
  const Record* old = slot.rec.load(std::memory_order_relaxed);
  const bool local = !is_remote(destination);
  if (queue.empty()) {
    const bool was_local = local && has_local_plain(slot);
    if (!count_plain_add(slot, destination)) return;  // the mask already has this destination
    publish(slot, with_plain_bit(old, destination, true));
    if (local && !was_local) tell_local(subject, {}, 1);
  } else {
    Record* r = copy_of(old);
    set_members(*r, queue, destination, members_at(old, queue, destination) + 1);
    publish(slot, r);
    if (local) tell_local(subject, queue, local_members(r, queue));
  }
  changed(subject);
}

bool InterestIndex::remove(unsigned destination, std::string_view subject, std::string_view queue) {
  assert(destination < kRemoteBase + kMaxRemotes);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Literal* lit = nullptr;
  Node* owner = nullptr;
  Slot* slot = slot_for_change(subject, &lit, &owner);
  if (slot == nullptr) return false;
  const Record* old = slot->rec.load(std::memory_order_relaxed);
  const bool local = !is_remote(destination);
  if (queue.empty()) {
    const PlainRemoval removal = count_plain_remove(*slot, destination);
    if (removal == PlainRemoval::kMissing) return false;
    if (removal == PlainRemoval::kCounted) return true;
    publish(*slot, with_plain_bit(old, destination, false));
    if (local && !has_local_plain(*slot)) tell_local(subject, {}, 0);
  } else {
    const uint32_t members = members_at(old, queue, destination);
    if (members == 0) return false;
    Record* r = copy_of(old);
    set_members(*r, queue, destination, members - 1);
    const uint32_t local_left = local_members(r, queue);
    publish(*slot, sealed(r));
    if (local) tell_local(subject, queue, local_left);
  }
  prune(lit, owner);
  changed(subject);
  return true;
}

void InterestIndex::set_queue_weight(unsigned destination, std::string_view subject, std::string_view queue,
                                     uint32_t weight) {
  assert(is_remote(destination) && destination < kRemoteBase + kMaxRemotes && !queue.empty());
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Literal* lit = nullptr;
  Node* owner = nullptr;
  Slot* slot = weight > 0 ? &slot_for_add(subject) : slot_for_change(subject, &lit, &owner);
  if (slot == nullptr) return;
  const Record* old = slot->rec.load(std::memory_order_relaxed);
  if (members_at(old, queue, destination) == weight) return;
  Record* r = copy_of(old);
  set_members(*r, queue, destination, weight);
  publish(*slot, sealed(r));
  prune(lit, owner);
  changed(subject);
}

// Logged first, so a cache that sees the new generation finds what it changed.
void InterestIndex::changed(std::string_view subject) {
  changes_.record(generation_.load(std::memory_order_relaxed) + 1, subject, has_wildcard_token(subject));
  generation_.fetch_add(1, std::memory_order_seq_cst);
}

void InterestIndex::watch_local(LocalInterestListener* listener) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  listeners_.push_back(listener);
}

void InterestIndex::unwatch_local(LocalInterestListener* listener) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  std::erase(listeners_, listener);
}

// Only what readers may read: the hash tables (RCU), the nodes' star pointers and the records.
void InterestIndex::visit_local(const LocalInterestVisitor& each, const std::function<bool()>& stop) const {
  cds_lfht_iter iter;
  for (cds_lfht_first(literals_.get(), &iter); cds_lfht_iter_get_node(&iter) != nullptr; cds_lfht_next(literals_.get(), &iter)) {
    if (stop && stop()) return;
    cds_lfht_node* node = cds_lfht_iter_get_node(&iter);
    core::tsan_consume(node);
    const auto* lit = static_cast<const Literal*>(reinterpret_cast<HashLink*>(node)->owner);
    visit_slot(lit->slot, lit->subject, each);
  }
  std::vector<Node*> nodes;
  collect_nodes(nodes);
  for (const Node* node : nodes) {
    if (stop && stop()) return;
    if (node != root_ && node->here.rec.load(std::memory_order_acquire) != nullptr) {
      visit_slot(node->here, subject_of(node, false), each);
    }
    if (node->tail.rec.load(std::memory_order_acquire) != nullptr) visit_slot(node->tail, subject_of(node, true), each);
  }
}

// A slot's local interest, from its record alone (the plain mask holds exactly the workers
// with plain subscribers; the queue weights of worker destinations are the local members).
void InterestIndex::visit_slot(const Slot& slot, std::string_view subject, const LocalInterestVisitor& each) {
  const Record* r = slot.rec.load(std::memory_order_acquire);
  if (r == nullptr) return;
  if (r->plain != 0) each(subject, {}, 1);
  for (const QueueInterest& q : r->queues) {
    const uint32_t members = local_members(q);
    if (members > 0) each(subject, q.name, members);
  }
}

void InterestIndex::tell_local(std::string_view subject, std::string_view queue, uint32_t weight) {
  for (LocalInterestListener* listener : listeners_) listener->local_interest_changed(subject, queue, weight);
}

// The subscription subject a trie slot stands for: the tokens from the root, plus ">" for a tail.
std::string InterestIndex::subject_of(const Node* node, bool tail) {
  std::vector<const std::string*> tokens;
  for (const Node* n = node; n->parent != nullptr; n = n->parent) tokens.push_back(&n->token);
  std::string subject;
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    if (!subject.empty()) subject += '.';
    subject += **it;
  }
  if (tail) subject += subject.empty() ? ">" : ".>";
  return subject;
}

InterestIndex::Slot& InterestIndex::slot_for_add(std::string_view subject) {
  return has_wildcard_token(subject) ? wildcard_slot(subject) : literal_slot(subject);
}

InterestIndex::Slot* InterestIndex::slot_for_change(std::string_view subject, Literal** literal, Node** owner) const {
  if (has_wildcard_token(subject)) return find_wildcard_slot(subject, owner);
  *literal = find_literal(subject);
  return *literal != nullptr ? &(*literal)->slot : nullptr;
}

void InterestIndex::prune(Literal* literal, Node* owner) {
  if (literal != nullptr && literal->slot.empty()) prune_literal(literal);
  if (owner != nullptr) prune_trie(owner);
}

void InterestIndex::match(std::string_view subject, InterestResult& out) const {
  out.clear();
  Tokens tokens;
  if (!proto::split_tokens(subject, tokens)) return;
  if (const Literal* lit = find_literal(subject)) merge(lit->slot, out);
  if (wildcard_slots_.load(std::memory_order_acquire) != 0) {
    match_trie(root_, tokens.data(), tokens.size(), 0, out);
  }
}

bool InterestIndex::surely_none(size_t subject_hash) const {
  return wildcard_slots_.load(std::memory_order_acquire) == 0 &&
         literal_filter_[subject_hash & (kLiteralFilterSlots - 1)].load(std::memory_order_acquire) == 0;
}

bool InterestIndex::may_match(std::string_view subject) const {
  if (surely_none(StringViewHash{}(subject))) return false;
  return wildcard_slots_.load(std::memory_order_acquire) != 0 || find_literal(subject) != nullptr;
}

// Before the entry is linked (and so before the generation moves): a reader that finds the
// entry, or sees the new generation, finds the count raised too.
void InterestIndex::count_literal(std::string_view subject, int delta) {
  std::atomic<uint32_t>& count = literal_filter_[StringViewHash{}(subject) & (kLiteralFilterSlots - 1)];
  count.fetch_add(static_cast<uint32_t>(delta), std::memory_order_release);
}

// '>' below `node` needs at least one more token; '*' and literal edges consume exactly one.
void InterestIndex::match_trie(const Node* node, const std::string_view* tokens, size_t count,
                               size_t at, InterestResult& out) const {
  if (at == count) {
    merge(node->here, out);
    return;
  }
  merge(node->tail, out);
  if (const Node* child = find_child(node, tokens[at])) {
    match_trie(child, tokens, count, at + 1, out);
  }
  if (const Node* star = node->star.load(std::memory_order_acquire)) {
    match_trie(star, tokens, count, at + 1, out);
  }
}

size_t InterestIndex::entry_count() const {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return literals_.entries() + node_count_;
}

InterestIndex::Literal* InterestIndex::find_literal(std::string_view subject) const {
  return static_cast<Literal*>(lookup(literals_.get(), LinkKey{nullptr, subject}));
}

InterestIndex::Node* InterestIndex::find_child(const Node* parent, std::string_view token) const {
  return static_cast<Node*>(lookup(edges_.get(), LinkKey{parent, token}));
}

InterestIndex::Slot& InterestIndex::literal_slot(std::string_view subject) {
  if (Literal* lit = find_literal(subject)) return lit->slot;
  auto* lit = new Literal;
  lit->subject.assign(subject);
  count_literal(lit->subject, +1);
  insert(literals_.get(), lit->link, lit, LinkKey{nullptr, lit->subject});
  literals_.added();
  return lit->slot;
}

InterestIndex::Slot& InterestIndex::wildcard_slot(std::string_view subject) {
  Tokens tokens;
  proto::split_tokens(subject, tokens);
  const bool tail = tokens.back() == kTrailingTokens;
  Node* node = root_;
  for (size_t i = 0; i + (tail ? 1 : 0) < tokens.size(); ++i) node = child_for_add(node, tokens[i]);
  return tail ? node->tail : node->here;
}

InterestIndex::Slot* InterestIndex::find_wildcard_slot(std::string_view subject,
                                                       Node** owner) const {
  Tokens tokens;
  if (!proto::split_tokens(subject, tokens)) return nullptr;
  const bool tail = tokens.back() == kTrailingTokens;
  Node* node = root_;
  for (size_t i = 0; node != nullptr && i + (tail ? 1 : 0) < tokens.size(); ++i) {
    node = tokens[i] == kAnyToken ? node->star.load(std::memory_order_relaxed)
                              : find_child(node, tokens[i]);
  }
  if (node == nullptr) return nullptr;
  *owner = node;
  return tail ? &node->tail : &node->here;
}

InterestIndex::Node* InterestIndex::child_for_add(Node* parent, std::string_view token) {
  if (token == kAnyToken) {
    if (Node* star = parent->star.load(std::memory_order_relaxed)) return star;
  } else if (Node* child = find_child(parent, token)) {
    return child;
  }
  auto* child = new Node;
  child->parent = parent;
  child->token.assign(token);
  ++node_count_;
  if (token == kAnyToken) {
    parent->star.store(child, std::memory_order_release);
  } else {
    insert(edges_.get(), child->link, child, LinkKey{parent, child->token});
    edges_.added();
    ++parent->literal_children;
  }
  return child;
}

void InterestIndex::publish(Slot& slot, const Record* next) {
  const Record* old = slot.rec.load(std::memory_order_relaxed);
  slot.rec.store(next, std::memory_order_release);
  if (slot.in_trie && (old == nullptr) != (next == nullptr)) {
    if (next != nullptr) {
      wildcard_slots_.fetch_add(1, std::memory_order_release);
    } else {
      wildcard_slots_.fetch_sub(1, std::memory_order_release);
    }
  }
  if (old != nullptr) core::rcu_retire(const_cast<Record*>(old));
}

void InterestIndex::prune_literal(Literal* lit) {
  cds_lfht_del(literals_.get(), &lit->link.node);
  count_literal(lit->subject, -1);
  literals_.removed();
  core::rcu_retire(lit);
}

// Unlinks nodes left with nothing, bottom-up; a parent goes only after its last child.
void InterestIndex::prune_trie(Node* node) {
  while (node != root_ && node->empty()) {
    Node* parent = node->parent;
    if (node->token == kAnyToken) {
      parent->star.store(nullptr, std::memory_order_release);
    } else {
      cds_lfht_del(edges_.get(), &node->link.node);
      edges_.removed();
      --parent->literal_children;
    }
    --node_count_;
    core::rcu_retire(node);
    node = parent;
  }
}

// Every trie node: the root, every edge-table entry, and the '*' chains hanging off them.
void InterestIndex::collect_nodes(std::vector<Node*>& out) const {
  out.push_back(root_);
  cds_lfht_iter iter;
  for (cds_lfht_first(edges_.get(), &iter); cds_lfht_iter_get_node(&iter) != nullptr;
       cds_lfht_next(edges_.get(), &iter)) {
    cds_lfht_node* node = cds_lfht_iter_get_node(&iter);
    core::tsan_consume(node);
    out.push_back(static_cast<Node*>(reinterpret_cast<HashLink*>(node)->owner));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (Node* star = out[i]->star.load(std::memory_order_acquire)) out.push_back(star);
  }
}

// --- InterestCache ---

InterestCache::InterestCache(const InterestIndex& index, size_t capacity)
    : index_(index), capacity_(capacity > 0 ? capacity : 1), seen_(index.generation()) {}

const InterestResult& InterestCache::match(std::string_view subject) {
  // Catch up first: a change racing with the match below has a later generation, so the next
  // call replays it and drops what this one cached, which only costs a recompute.
  const uint64_t generation = index_.generation();
  if (generation != seen_) catch_up(generation);
  if (const InterestResult* last = last_.find(subject)) {
    ++hits_;
    return *last;
  }
  // Where the index has no wildcard interest and no entry for the subject, it is answered here
  // and not cached: caching would only evict results worth keeping (a stream over many distinct
  // subjects with sparse interest is mostly such misses). Mostly the index's literal filter
  // says so at once, with the hash the cache lookup needs anyway; else one lookup in the index
  // does. A worker remembers the last subject that reached no one itself (NoInterestMemo).
  const size_t hash = StringViewHash{}(subject);
  if (index_.surely_none(hash)) {
    ++misses_;
    return none_;
  }
  auto it = slots_.find(subject, hash);
  if (it != slots_.end()) {
    ++hits_;
    last_.remember(it->first, &it->second);
    return it->second;
  }
  ++misses_;
  if (!index_.may_match(subject)) return none_;
  if (slots_.size() >= capacity_) evict_some();
  last_.forget();  // the insert may move every slot
  it = slots_.try_emplace(std::string(subject)).first;
  index_.match(subject, it->second);
  last_.remember(it->first, &it->second);
  return it->second;
}

void InterestCache::catch_up(uint64_t generation) {
  last_.forget();
  auto drop = [this](std::string_view subject, bool wildcard) { forget(subject, wildcard); };
  if (!slots_.empty() && !index_.changes().replay(seen_, generation, drop)) {
    ++resets_;
    slots_.clear();
  }
  seen_ = generation;
}

// A published subject's tokens are compared as plain tokens (see InterestIndex::match), which
// is exactly what subject_matches does with the cached subject.
void InterestCache::forget(std::string_view subject, bool wildcard) {
  if (!wildcard) {
    dropped_ += slots_.erase(subject);
    return;
  }
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (proto::subject_matches(subject, it->first)) {
      slots_.erase(it++);
      ++dropped_;
    } else {
      ++it;
    }
  }
}

void InterestCache::evict_some() {
  last_.forget();
  size_t drop = capacity_ / 4 + 1;
  for (auto it = slots_.begin(); it != slots_.end() && drop > 0; --drop) slots_.erase(it++);
}

}  // namespace zats::server
