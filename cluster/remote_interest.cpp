// RemoteInterest (see remote_interest.h).
#include "cluster/remote_interest.h"

namespace zats::cluster {

RemoteInterest::Shard& RemoteInterest::shard_of(const Key& key) {
  scratch_.assign(key.account);
  scratch_ += ' ';
  scratch_.append(key.subject);
  if (!key.queue.empty()) {
    scratch_ += ' ';
    scratch_.append(key.queue);
  }
  // The shard from the hash's top bits; the map inside uses the low ones.
  const size_t hash = server::StringViewHash{}(scratch_);
  return shards_[(hash >> 58) % kShards];
}

RemoteInterest::Key RemoteInterest::split(std::string_view text) {
  const size_t first = text.find(' ');
  const size_t second = text.find(' ', first + 1);
  Key key;
  key.account = text.substr(0, first);
  if (second == std::string_view::npos) {
    key.subject = text.substr(first + 1);
  } else {
    key.subject = text.substr(first + 1, second - first - 1);
    key.queue = text.substr(second + 1);
  }
  return key;
}

bool RemoteInterest::add(const Key& key, uint32_t weight) {
  Shard& shard = shard_of(key);
  if (!shard.try_emplace(scratch_, weight).second) return false;
  ++size_;
  return true;
}

void RemoteInterest::set(const Key& key, uint32_t weight) {
  Shard& shard = shard_of(key);
  auto [it, added] = shard.try_emplace(scratch_, weight);
  if (added) {
    ++size_;
  } else {
    it->second = weight;
  }
}

bool RemoteInterest::erase(const Key& key) {
  Shard& shard = shard_of(key);
  auto it = shard.find(std::string_view(scratch_));
  if (it == shard.end()) return false;
  shard.erase(it);
  --size_;
  return true;
}

void RemoteInterest::clear() {
  for (Shard& shard : shards_) shard.clear();
  size_ = 0;
}

}  // namespace zats::cluster
