// Sublist implementation: literal hash map + wildcard token trie + bounded match cache whose
// entries a change marks stale only where its subject matches them. Everything here runs on the owning worker's thread only, so nothing is locked.
#include "server/sublist.h"

#include <utility>

#include "absl/container/inlined_vector.h"
#include "proto/subject.h"

namespace zats::server {

namespace {

using proto::kAnyToken;
using proto::kTrailingTokens;

bool has_wildcard(std::string_view subject) { return !proto::is_literal(subject); }

}  // namespace

struct Sublist::Node {
  StringMap<std::unique_ptr<Node>> children;  // literal tokens
  std::unique_ptr<Node> star;  // the '*' token
  std::unique_ptr<Node> tail;  // the '>' token
  SublistEntry subs;           // subscriptions whose subject ends here

  bool prunable() const { return subs.empty() && children.empty() && !star && !tail; }
};

struct Sublist::CacheSlot {
  bool valid = false;
  SublistResult result;
};

Sublist::Sublist(size_t cache_capacity)
    : root_(std::make_unique<Node>()), cache_capacity_(cache_capacity) {}

Sublist::~Sublist() = default;

void Sublist::insert(Subscription* sub) {
  if (has_wildcard(sub->subject)) {
    insert_wildcard(sub);
    return;
  }
  if (!literals_[sub->subject].add(sub)) return;
  changed(sub->subject, false);
  ++count_;
  ++stats_.inserts;
}

void Sublist::insert_wildcard(Subscription* sub) {
  Node* node = root_.get();
  proto::for_each_token(sub->subject, [&](std::string_view t) {
    std::unique_ptr<Node>& next = t == kAnyToken         ? node->star
                                  : t == kTrailingTokens ? node->tail
                                                         : node->children[t];
    if (!next) next = std::make_unique<Node>();
    node = next.get();
    return true;
  });
  if (!node->subs.add(sub)) return;
  changed(sub->subject, true);
  ++count_;
  ++stats_.inserts;
}

bool Sublist::remove(Subscription* sub) {
  bool removed = false;
  if (has_wildcard(sub->subject)) {
    removed = remove_wildcard(sub);
  } else if (auto it = literals_.find(sub->subject); it != literals_.end()) {
    removed = it->second.erase(sub);
    if (it->second.empty()) literals_.erase(it);
  }
  if (!removed) return false;
  changed(sub->subject, has_wildcard(sub->subject));
  --count_;
  ++stats_.removes;
  return true;
}

// Marks stale the cached results `subject` can reach: a literal one's own entry, or every entry
// a wildcard matches (published '*'/'>' tokens are plain tokens to subject_matches, as in
// match()). A stale slot is recomputed in place when next looked up.
void Sublist::changed(std::string_view subject, bool wildcard) {
  ++generation_;
  if (!wildcard) {
    if (auto it = cache_.find(subject); it != cache_.end()) it->second->valid = false;
    return;
  }
  for (auto& [cached, slot] : cache_) {
    if (slot->valid && proto::subject_matches(subject, cached)) slot->valid = false;
  }
}

bool Sublist::remove_wildcard(Subscription* sub) {
  // The path from the root, so that emptied nodes can be pruned bottom-up afterwards.
  struct Step {
    Node* parent;
    std::string_view token;
  };
  absl::InlinedVector<Step, 16> path;
  Node* node = root_.get();
  proto::for_each_token(sub->subject, [&](std::string_view t) {
    path.push_back({node, t});
    if (t == kAnyToken) {
      node = node->star.get();
    } else if (t == kTrailingTokens) {
      node = node->tail.get();
    } else {
      auto it = node->children.find(t);
      node = it == node->children.end() ? nullptr : it->second.get();
    }
    return node != nullptr;
  });
  if (node == nullptr || !node->subs.erase(sub)) return false;

  for (auto step = path.rbegin(); step != path.rend(); ++step) {
    Node* parent = step->parent;
    if (step->token == kAnyToken) {
      if (!parent->star->prunable()) break;
      parent->star.reset();
    } else if (step->token == kTrailingTokens) {
      if (!parent->tail->prunable()) break;
      parent->tail.reset();
    } else {
      auto it = parent->children.find(step->token);
      if (!it->second->prunable()) break;
      parent->children.erase(it);
    }
  }
  return true;
}

const SublistResult& Sublist::match(std::string_view subject) {
  ++stats_.matches;
  if (cache_capacity_ == 0) {
    if (!tokenize(subject)) return empty_;
    compute(subject, uncached_);
    return uncached_;
  }
  if (const CacheSlot* last = last_.find(subject); last != nullptr && last->valid) {
    ++stats_.cache_hits;
    return last->result;
  }
  // Without wildcard subscriptions a subject's result is its literal entry alone: where there is
  // none, one lookup answers and caching the empty result would only evict results worth keeping
  // (a stream over many distinct subjects with sparse interest is mostly such misses). A worker
  // remembers the last subject that reached no one itself (NoInterestMemo).
  if (root_->prunable() && !literals_.contains(subject)) return empty_;
  if (auto it = cache_.find(subject); it != cache_.end()) {
    CacheSlot& slot = *it->second;
    last_.remember(subject, &slot);
    if (slot.valid) {
      ++stats_.cache_hits;
      return slot.result;
    }
    tokenize(subject);  // it was valid when it was cached
    compute(subject, slot.result);
    slot.valid = true;
    return slot.result;
  }
  // Invalid subjects are not cached: they would only let a client fill the cache with garbage.
  if (!tokenize(subject)) return empty_;
  CacheSlot& slot = cache_slot_for(subject);
  compute(subject, slot.result);
  slot.valid = true;
  last_.remember(subject, &slot);
  return slot.result;
}

Sublist::CacheSlot& Sublist::cache_slot_for(std::string_view subject) {
  if (cache_.size() >= cache_capacity_) evict_some();
  auto& slot = cache_[subject];
  slot = std::make_unique<CacheSlot>();
  return *slot;
}

// Drops about a quarter of the cache in whatever order the table holds it: cheaper than LRU
// bookkeeping on every hit, and a batch keeps the eviction cost amortized O(1) per miss.
void Sublist::evict_some() {
  size_t drop = cache_capacity_ / 4 + 1;
  last_.forget();
  for (auto it = cache_.begin(); it != cache_.end() && drop > 0; --drop) cache_.erase(it++);
}

bool Sublist::tokenize(std::string_view subject) {
  tokens_.clear();
  return proto::split_tokens(subject, tokens_);
}

// Fills out with every subscription matching the subject already split into tokens_.
void Sublist::compute(std::string_view subject, SublistResult& out) {
  out.plain.clear();
  out.queues.clear();
  group_index_.clear();
  if (auto it = literals_.find(subject); it != literals_.end()) append(it->second, out);
  match_level(root_.get(), 0, out);
  group_index_.clear();  // its keys point into entries that a later remove() may free
}

// Published tokens are compared literally against the trie's literal children, so a published
// '*' or '>' token only meets wildcard subscriptions, as in nats-server.
void Sublist::match_level(const Node* node, size_t token, SublistResult& out) {
  for (; node != nullptr; ++token) {
    if (token == tokens_.size()) {
      append(node->subs, out);
      return;
    }
    if (node->tail) append(node->tail->subs, out);
    if (node->star) match_level(node->star.get(), token + 1, out);
    auto it = node->children.find(tokens_[token]);
    node = it == node->children.end() ? nullptr : it->second.get();
  }
}

// A queue name seen at several entries is one group: a message goes to one member per name.
void Sublist::append(const SublistEntry& entry, SublistResult& out) {
  out.plain.insert(out.plain.end(), entry.plain.begin(), entry.plain.end());
  for (const auto& [name, members] : entry.queues) {
    auto [slot, fresh] = group_index_.try_emplace(name, out.queues.size());
    if (fresh) out.queues.emplace_back();
    auto& group = out.queues[slot->second];
    group.insert(group.end(), members.begin(), members.end());
  }
}

size_t Sublist::count() const { return count_; }

SublistStats Sublist::stats() const {
  SublistStats s = stats_;
  s.cache_size = cache_.size();
  return s;
}

void Sublist::collect(std::vector<Subscription*>& out) const {
  out.reserve(out.size() + count_);
  for (const auto& [subject, entry] : literals_) {
    out.insert(out.end(), entry.plain.begin(), entry.plain.end());
    for (const auto& [name, members] : entry.queues) out.insert(out.end(), members.begin(), members.end());
  }
  collect_node(*root_, out);
}

void Sublist::collect_node(const Node& node, std::vector<Subscription*>& out) {
  out.insert(out.end(), node.subs.plain.begin(), node.subs.plain.end());
  for (const auto& [name, members] : node.subs.queues) out.insert(out.end(), members.begin(), members.end());
  for (const auto& [token, child] : node.children) collect_node(*child, out);
  if (node.star) collect_node(*node.star, out);
  if (node.tail) collect_node(*node.tail, out);
}

size_t Sublist::entry_count() const { return literals_.size() + count_nodes(*root_) - 1; }

size_t Sublist::count_nodes(const Node& node) {
  size_t n = 1;
  for (const auto& [token, child] : node.children) n += count_nodes(*child);
  if (node.star) n += count_nodes(*node.star);
  if (node.tail) n += count_nodes(*node.tail);
  return n;
}

}  // namespace zats::server
