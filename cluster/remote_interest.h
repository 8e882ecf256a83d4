// RemoteInterest: what a route's peer announced with RS+, one entry per (account, subject,
// queue) with its weight (1 for plain interest, the group's weight for a queue). The route
// keeps it to answer RS- and /routez, and to take it all out of the interest index when the
// route goes away.
//
// It is sharded by key hash into many small maps because a peer may announce hundreds of
// thousands of subscriptions in one burst: a single map would, at each doubling, rehash all of
// them at once on the route's worker and hold up that worker's clients for tens of
// milliseconds; a shard rehashes a small fraction at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/sublist_string_map.h"

namespace zats::cluster {

class RemoteInterest {
 public:
  struct Key {
    std::string_view account;
    std::string_view subject;
    std::string_view queue;  // empty for plain interest
  };

  // Adds the key with `weight` unless it is there; true when it was added.
  bool add(const Key& key, uint32_t weight);
  // Adds the key or replaces its weight.
  void set(const Key& key, uint32_t weight);
  // True when the key was there.
  bool erase(const Key& key);
  size_t size() const { return size_; }
  void clear();

  // each(const Key&, uint32_t weight), in no particular order.
  template <class Each>
  void for_each(Each&& each) const {
    for (const Shard& shard : shards_) {
      for (const auto& [text, weight] : shard) each(split(text), weight);
    }
  }

 private:
  static constexpr size_t kShards = 64;
  using Shard = server::StringMap<uint32_t>;

  // Joins the key into scratch_ ("account subject[ queue]": none of them holds a space) and
  // returns the shard it lives in.
  Shard& shard_of(const Key& key);
  static Key split(std::string_view text);

  std::array<Shard, kShards> shards_;
  size_t size_ = 0;
  std::string scratch_;
};

}  // namespace zats::cluster
